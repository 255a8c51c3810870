import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contract, verifyServer } from '@mcp-platform/runtime';
import { runInspectorCli, type ServerProcess, startServerProcess } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `pnpm start` runs: src/main.ts with no DATABASE_URL and no Salesforce credentials, so the
// sandbox org (and the audit trail) live in embedded PostgreSQL (PGlite). The MCP Inspector CLI, an
// independently developed client, lists the tools and calls the account overview over HTTP.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function startMain(dataDir: string): Promise<ServerProcess> {
  const { DATABASE_URL: _db, SALESFORCE_CLIENT_ID: _sf, ...env } = process.env;
  return startServerProcess(
    MAIN,
    {
      ...env,
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_MODE: 'none',
      LOG_LEVEL: 'info',
      SANDBOX_DATA_DIR: dataDir,
      // Its own audit spool: the default (/tmp/mcp-audit-spool/crm) is locked by any other crm
      // process on the machine, e.g. the pnpm start test running beside this one.
      AUDIT_SPOOL_DIR: join(dataDir, '..', 'spool'),
      SANDBOX_ANCHOR_DATE: '2026-11-23',
    },
    90_000,
  );
}

describe('pnpm start: the CRM server on embedded PostgreSQL', { timeout: 180_000 }, () => {
  let dir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-main-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the sandbox; the Inspector CLI lists the tools and gets a seeded account overview', async () => {
    server = await startMain(join(dir, 'pgdata'));
    expect(server.output()).toContain('crm sandbox migrations applied: 1764300000000_sandbox-sales-objects');
    expect(server.output()).toMatch(/sandbox org seeded around \d{4}-\d{2}-\d{2}/);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { sandbox: { ok: true } } });

    const home = join(dir, 'home');
    const target = [`${server.url}/mcp`, '--transport', 'http'];
    const [list, overview] = await Promise.all([
      runInspectorCli(home, [...target, '--method', 'tools/list']),
      runInspectorCli(home, [
        ...target,
        '--method',
        'tools/call',
        '--tool-name',
        'get_account_overview',
        '--tool-arg',
        'accountId=001SB0000000000001',
      ]),
    ]);
    expect(list.code, list.stderr + list.stdout).toBe(0);
    const tools = (JSON.parse(list.stdout) as { result: { tools: Array<{ name: string }> } }).result.tools;
    expect(tools.map((t) => t.name)).toContain('get_account_overview');
    expect(tools).toHaveLength(10);
    expect(overview.code, overview.stderr + overview.stdout).toBe(0);
    const result = (
      JSON.parse(overview.stdout) as {
        result: { structuredContent: { account: { name: string }; openOpportunities: { items: unknown[] } } };
      }
    ).result;
    expect(result.structuredContent.account.name).toBe('Acme Corporation');
    expect(result.structuredContent.openOpportunities.items.length).toBeGreaterThan(0);

    expect(await server.stop()).toBe(0);
  });

  it('starts again on the same data directory without reseeding', async () => {
    server = await startMain(join(dir, 'pgdata'));
    expect(server.output()).toContain('crm sandbox migrations: up to date');
    expect(server.output()).toContain('sandbox org: already seeded');
    expect(server.output()).not.toContain('sandbox org seeded around');
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search_accounts', arguments: { name: 'Globex' } },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Globex Holdings');
    // What main.ts serves (approvals on, real backend) is the contract generated offline and committed.
    const committed = JSON.parse(
      readFileSync(new URL('../contract.json', import.meta.url), 'utf8'),
    ) as Contract;
    const verified = await verifyServer({ url: `${server.url}/mcp`, pinned: committed });
    expect(verified.problems).toEqual([]);
    expect(await server.stop()).toBe(0);
  });
});
