import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contract, verifyServer } from '@mcp-platform/runtime';
import { runInspectorCli, type ServerProcess, startServerProcess } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT } from './helpers.ts';

// What `pnpm start` runs: src/main.ts with no DATABASE_URL and no ServiceNow instance, so the sandbox
// instance (and the audit trail) live in embedded PostgreSQL. The MCP Inspector CLI, an independently
// developed client, lists the tools and finds the incidents related to the planted alert.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function startMain(dataDir: string): Promise<ServerProcess> {
  const { DATABASE_URL: _db, SERVICENOW_INSTANCE_URL: _sn, ...env } = process.env;
  return startServerProcess(MAIN, {
    ...env,
    HOST: '127.0.0.1',
    PORT: '0',
    AUTH_MODE: 'none',
    LOG_LEVEL: 'info',
    ITSM_SANDBOX_DATA_DIR: dataDir,
    AUDIT_SPOOL_DIR: join(dataDir, '..', 'spool'),
  });
}

describe('pnpm start: the ITSM server on embedded PostgreSQL', { timeout: 240_000 }, () => {
  let dir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'itsm-main-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the sandbox; the Inspector CLI lists the tools and finds the incidents related to the planted alert', async () => {
    server = await startMain(join(dir, 'pgdata'));
    expect(server.output()).toContain('sandbox instance seeded around');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { sandbox: { ok: true } } });

    const home = join(dir, 'home');
    const target = [`${server.url}/mcp`, '--transport', 'http'];
    const list = await runInspectorCli(home, [...target, '--method', 'tools/list']);
    expect(list.code, list.stderr + list.stdout).toBe(0);
    const tools = (JSON.parse(list.stdout) as { result: { tools: Array<{ name: string }> } }).result.tools;
    expect(tools.map((t) => t.name)).toContain('find_related_to_alert');
    expect(tools).toHaveLength(9);

    const related = await runInspectorCli(home, [
      ...target,
      '--method',
      'tools/call',
      '--tool-name',
      'find_related_to_alert',
      '--tool-arg',
      `alertText=${ALERT}`,
    ]);
    expect(related.code, related.stderr + related.stdout).toBe(0);
    const out = (
      JSON.parse(related.stdout) as {
        result: {
          structuredContent: {
            incidents: Array<{ record: { shortDescription: string } }>;
            changes: Array<{ record: { shortDescription: string } }>;
          };
        };
      }
    ).result.structuredContent;
    expect(out.incidents.slice(0, 3).map((i) => i.record.shortDescription)).toContain(
      'payment-service p99 latency above 800 ms',
    );
    expect(out.changes[0]!.record.shortDescription).toMatch(/^Upgrade payments-db/);
    expect(await server.stop()).toBe(0);
  });

  it('starts again on the same data directory without reseeding, serving the committed contract', async () => {
    server = await startMain(join(dir, 'pgdata'));
    expect(server.output()).toContain('sandbox instance: already seeded');
    const committed = JSON.parse(
      readFileSync(new URL('../contract.json', import.meta.url), 'utf8'),
    ) as Contract;
    const verified = await verifyServer({ url: `${server.url}/mcp`, pinned: committed });
    expect(verified.problems).toEqual([]);
    expect(await server.stop()).toBe(0);
  });
});
