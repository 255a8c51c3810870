import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { requireEnv } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnterpriseIdp, startEnterpriseIdp } from '../src/enterprise-idp.ts';
import { GROUP_SCOPES, PEOPLE } from '../src/people.ts';
import { type OAuthServer, SERVERS, type ServerName, startOAuthServer } from '../src/servers.ts';

// The official Python SDK (PyPI `mcp`, pinned in scripts/env.sh) with its own OAuthClientProvider.
const SUITE = 'OAuth end to end: Python SDK client (test/oauth/test/python-oauth.test.ts)';
const SCRIPT = fileURLToPath(new URL('./python_oauth_client.py', import.meta.url));
const python = requireEnv(
  'MCP_PYTHON',
  SUITE,
  'a Python with the `mcp` package (scripts/setup-toolchain.sh python)',
);
const databaseUrl = requireEnv('DATABASE_URL', SUITE, 'PostgreSQL 15+');

/** The write each server is stepped up for, with where the read result holds the record id. */
const WRITES: Record<
  ServerName,
  { read: [string, object]; write: [string, object]; idList: string; idKey: string; idArg: string }
> = {
  crm: {
    read: ['search_accounts', { limit: 2 }],
    write: ['log_activity', { type: 'Call', subject: 'Python SDK step-up call' }],
    idList: 'items',
    idKey: 'id',
    idArg: 'relatedTo',
  },
  knowledge: {
    read: ['list_recent_documents', { limit: 2 }],
    write: ['submit_feedback', { rating: 'helpful', query: 'python oauth' }],
    idList: 'documents',
    idKey: 'documentId',
    idArg: 'documentId',
  },
};

interface Report {
  protocolVersion: string | null;
  read: { isError: boolean; structured: Record<string, unknown> | null };
  write?: { isError?: boolean; inputRequired?: boolean; structured?: Record<string, unknown> | null };
  authorizations: string[];
  registeredClientId: string | null;
  scope: string | null;
}

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python as string, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(python === undefined || databaseUrl === undefined)(SUITE, () => {
  let idp: EnterpriseIdp;
  let browser: Server;
  let browserUrl: string;
  const servers = {} as Record<ServerName, OAuthServer>;
  const legacy = {} as Record<ServerName, OAuthServer>;

  beforeAll(async () => {
    idp = await startEnterpriseIdp({ servers: SERVERS, people: PEOPLE, groupScopes: GROUP_SCOPES });
    for (const name of SERVERS) {
      servers[name] = await startOAuthServer(name, idp, databaseUrl as string);
      legacy[name] = await startOAuthServer(name, idp, databaseUrl as string, { resource: 'origin' });
    }
    // The "browser": the Python host posts the authorization URL, dana signs in, the redirect comes back.
    browser = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        idp.signIn(body, 'dana').then(
          (callback) => res.writeHead(200, { 'content-type': 'text/plain' }).end(callback.href),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      });
    });
    await new Promise<void>((resolve) => browser.listen(0, '127.0.0.1', resolve));
    browserUrl = `http://127.0.0.1:${(browser.address() as AddressInfo).port}/browse`;
  }, 240_000);
  afterAll(async () => {
    browser?.closeAllConnections();
    await new Promise<void>((resolve) => (browser ? browser.close(() => resolve()) : resolve()));
    for (const server of [...Object.values(servers), ...Object.values(legacy)]) await server.close();
    await idp?.close();
  });

  describe.each(SERVERS)('%s server', (name) => {
    const spec = WRITES[name];
    it.each([
      {
        label: '2026-07-28 (Streamable HTTP)',
        transport: 'http',
        era: 'modern',
        path: '/mcp',
        legacyServer: false,
      },
      {
        label: '2025 (Streamable HTTP, initialize)',
        transport: 'http',
        era: 'legacy',
        path: '/mcp',
        legacyServer: false,
      },
      { label: '2024-11-05 (HTTP+SSE)', transport: 'sse', era: 'legacy', path: '/sse', legacyServer: true },
    ])(
      '$label: full flow with least privilege, then 403 → step-up → the write goes through',
      { timeout: 180_000 },
      async ({ transport, era, path, legacyServer }) => {
        const server = legacyServer ? legacy[name] : servers[name];
        const { code, stdout, stderr } = await runPython([
          `${server.url}${path}`,
          browserUrl,
          '--transport',
          transport,
          '--era',
          era,
          '--read',
          spec.read[0],
          JSON.stringify(spec.read[1]),
          '--write',
          spec.write[0],
          JSON.stringify(spec.write[1]),
          '--id-list',
          spec.idList,
          '--id-key',
          spec.idKey,
          '--id-arg',
          spec.idArg,
        ]);
        expect(code, stderr).toBe(0);
        const report = JSON.parse(stdout) as Report;
        if (era === 'modern') expect(report.protocolVersion).toBe('2026-07-28');
        expect(report.read.isError).toBe(false);
        expect(idp.registrations.map((r) => r.client_id)).toContain(report.registeredClientId);
        // First authorization: least privilege from the 401 challenge, PKCE, the resource indicator.
        const first = new URL(report.authorizations[0] as string).searchParams;
        expect(first.get('resource')).toBe(server.resource);
        expect(first.get('code_challenge_method')).toBe('S256');
        expect((first.get('scope') ?? '').split(' ')).not.toContain(`${name}:write`);
        // The write got 403 insufficient_scope; the SDK went back to the IdP for the write scope.
        expect(report.authorizations).toHaveLength(2);
        const stepUp = new URL(report.authorizations[1] as string).searchParams;
        expect((stepUp.get('scope') ?? '').split(' ')).toContain(`${name}:write`);
        if (name === 'crm') {
          // The write passed authorization and reached the tool, which asks the person to confirm
          // (confirm policy): input_required on 2026, an approval with a preview or a console link on 2025.
          const write = report.write as {
            inputRequired?: boolean;
            structured?: { code?: string; approvalId?: string };
          };
          if (write.inputRequired !== true) {
            expect(write.structured?.code, JSON.stringify(write)).toMatch(/^APPROVAL_(REQUIRED|PENDING)$/);
            expect(write.structured?.approvalId).toBeTypeOf('string');
          }
        } else {
          expect(report.write?.isError, JSON.stringify(report.write)).toBe(false);
        }
        expect((report.scope ?? '').split(' ')).toContain(`${name}:write`);
      },
    );
  });
});
