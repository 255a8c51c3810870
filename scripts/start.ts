/**
 * `pnpm start` — starts every domain server present in servers/ on its default port (crm 3001,
 * itsm 3002, finance 3003, knowledge 3004) on 127.0.0.1 with the embedded defaults (no external
 * services needed). Before any domain server exists it starts the example server on 3001.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const PORTS: Record<string, number> = { crm: 3001, itsm: 3002, finance: 3003, knowledge: 3004 };
const out = (line: string) => process.stdout.write(`${line}\n`);

const servers = Object.entries(PORTS).filter(([name]) => existsSync(`${root}servers/${name}/src/main.ts`));
const children: ChildProcess[] = [];
const start = (name: string, script: string, port: number) => {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script], {
    cwd: root,
    stdio: 'inherit',
    env: { HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none', ...process.env },
  });
  child.on('exit', (code, signal) => {
    out(`[start] ${name} exited (${signal ?? code})`);
    if (!stopping) shutdown(code ?? 1);
  });
  children.push(child);
  out(`[start] ${name}: http://127.0.0.1:${port}/mcp`);
};

if (servers.length === 0) {
  start('example', `${root}scripts/example-server.ts`, 3001);
} else {
  for (const [name, port] of servers) start(name, `${root}servers/${name}/src/main.ts`, port);
}

let stopping = false;
function shutdown(code = 0): void {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 30_000).unref();
  Promise.all(
    children.map(
      (c) => new Promise((resolve) => (c.exitCode === null ? c.once('exit', resolve) : resolve(null))),
    ),
  ).then(() => process.exit(code));
}
process.once('SIGINT', () => shutdown(0));
process.once('SIGTERM', () => shutdown(0));
