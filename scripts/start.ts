/**
 * `pnpm start` — starts every domain server present in servers/ on the port its package.json
 * declares (`"mcp": { "port": 3001 }`; crm 3001, itsm 3002, finance 3003, knowledge 3004) on
 * 127.0.0.1 with the embedded defaults (no external services needed). Before any domain server
 * exists it starts the example server on 3001.
 *
 * `DEV_IDP=1 pnpm start` (or `AUTH_MODE=oauth` without `OAUTH_ISSUER`) also starts the development
 * identity provider (packages/dev-idp) on 127.0.0.1:3900 and runs the servers with AUTH_MODE=oauth
 * against it, each with an approver-console client registered there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startDevIdp } from '@mcp-platform/dev-idp';
import { declaredServers } from './server-ports.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);

const servers = declaredServers(root);
const children = new Map<string, ChildProcess>();
const failed = new Set<string>();
let stopping = false;
let termsSent = 0;

const wantsIdp =
  process.env.DEV_IDP === '1' ||
  (process.env.AUTH_MODE === 'oauth' && process.env.OAUTH_ISSUER === undefined);
const idp = wantsIdp ? await startDevIdp({ port: Number(process.env.DEV_IDP_PORT ?? 3900) }) : undefined;
if (idp)
  out(
    `[start] development identity provider: ${idp.issuer} (demo people: ${idp.people.map((p) => p.id).join(', ')})`,
  );

/** With the dev IdP: the server's resource, its console client, and the variables pointing it there. */
async function oauthEnv(name: string, port: number): Promise<Record<string, string>> {
  if (!idp) return {};
  const base = `http://127.0.0.1:${port}`;
  idp.addResource({ uri: `${base}/mcp`, server: name });
  const secret = randomBytes(32).toString('base64url');
  await idp.addClient({
    client_id: `${name}-console`,
    client_secret: secret,
    client_name: `${name} approvals console`,
    redirect_uris: [`${base}/approvals/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  return {
    AUTH_MODE: 'oauth',
    OAUTH_ISSUER: idp.issuer,
    CONSOLE_OIDC_CLIENT_ID: `${name}-console`,
    CONSOLE_OIDC_CLIENT_SECRET: secret,
    CONSOLE_SESSION_SECRET: randomBytes(32).toString('base64url'),
    REQUEST_STATE_SECRET: process.env.REQUEST_STATE_SECRET ?? randomBytes(32).toString('base64url'),
  };
}

const start = async (name: string, script: string, port: number) => {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script], {
    cwd: root,
    stdio: 'inherit',
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      AUTH_MODE: 'none',
      ...process.env,
      ...(await oauthEnv(name, port)),
    },
  });
  child.on('exit', (code, signal) => {
    out(`[start] ${name} exited (${signal ?? code})`);
    children.delete(name);
    if (code !== 0) failed.add(name);
    // One server gone on its own takes the others down (a half-started platform helps nobody).
    if (!stopping) stop();
    if (children.size === 0) {
      void (idp?.close() ?? Promise.resolve()).finally(() => process.exit(failed.size === 0 ? 0 : 1));
    }
  });
  children.set(name, child);
  out(`[start] ${name}: http://127.0.0.1:${port}/mcp`);
};

if (servers.length === 0) {
  await start('example', `${root}scripts/example-server.ts`, 3001);
} else {
  for (const { name, port, main } of servers) await start(name, main, port);
}

/** Sends each server still running one SIGTERM (again on a repeated SIGTERM: they then exit at once). */
function stop(): void {
  stopping = true;
  termsSent += 1;
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => {
  // The servers got this SIGINT too when it came from the terminal; a repeated one reaches them as well.
  if (!stopping) stop();
});
process.on('SIGTERM', () => {
  if (!stopping || termsSent === 1) stop();
});
