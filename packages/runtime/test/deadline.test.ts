import {
  createTestDatabase,
  describeWithPostgres,
  type ServerProcess,
  type TestDatabase,
} from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AuditFeature } from '../src/audit/feature.ts';
import { migrate } from '../src/audit/migrate.ts';
import type { RuntimeServer } from '../src/server.ts';
import { tempDir } from './audit/support.ts';
import { resultOf, rpc, testServer } from './helpers.ts';
import { serveFixture } from './support/serve-process.ts';
import { type StuckBackend, startStuckBackend, stuckDefinition } from './support/stuck-backend.ts';
import { waitFor } from './support/throwaway-redis.ts';

/**
 * Every call has an enforced deadline, and shutdown is bounded by the grace period — against a
 * backend that never answers, whether the handler honours its signal or ignores it.
 */
interface AuditRowOf {
  name: string;
  outcome: string;
  error_code: string | null;
}

async function auditRows(url: string): Promise<AuditRowOf[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<AuditRowOf>(
      `SELECT name, outcome, error_code FROM audit_log WHERE event = 'call' ORDER BY seq`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

describeWithPostgres('call deadlines and bounded shutdown', (databaseUrl) => {
  let db: TestDatabase;
  let backend: StuckBackend;
  let server: RuntimeServer | undefined;
  let served: ServerProcess | undefined;
  let spool: { path: string; remove: () => Promise<void> };
  const previousUrl = process.env.STUCK_BACKEND_URL;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'runtime_deadline');
    await migrate(db.url);
    backend = await startStuckBackend();
    process.env.STUCK_BACKEND_URL = backend.url;
    spool = await tempDir('deadline-spool');
  });
  afterEach(async () => {
    await server?.app.close();
    server = undefined;
    backend.drop();
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
  });
  afterAll(async () => {
    if (previousUrl === undefined) delete process.env.STUCK_BACKEND_URL;
    else process.env.STUCK_BACKEND_URL = previousUrl;
    await backend?.close();
    await spool?.remove();
    await db?.drop();
  });

  it('a call against a backend that never answers ends TIMEOUT at its deadline, audited as timeout, its request aborted', async () => {
    server = await testServer(
      {
        DATABASE_URL: db.url,
        AUDIT_ENABLED: 'true',
        AUDIT_SPOOL_DIR: `${spool.path}/in-process`,
        TOOL_TIMEOUT_MS: '400',
      },
      { definition: stuckDefinition() },
    );
    const before = backend.received;
    const [honouring, ignoring] = await Promise.all([
      rpc(server.app, 'tools/call', { name: 'ask_backend', arguments: {} }),
      rpc(server.app, 'tools/call', { name: 'ask_backend_blindly', arguments: {} }),
    ]);
    for (const res of [honouring, ignoring]) {
      expect(res.status).toBe(200);
      expect(resultOf(res.body)).toMatchObject({
        isError: true,
        structuredContent: { code: 'TIMEOUT', retryable: true },
      });
    }
    expect(backend.received - before).toBe(2);
    // The honouring handler's request is aborted at the deadline; only the blind one stays open.
    await waitFor(() => backend.open === 1, 'the aborted request to close at the backend');

    const audit = server.features.find((f) => f.name === 'audit') as AuditFeature;
    await audit.trail.flush();
    const rows = await auditRows(db.url);
    expect(rows).toEqual(
      expect.arrayContaining([
        { name: 'ask_backend', outcome: 'timeout', error_code: 'TIMEOUT' },
        { name: 'ask_backend_blindly', outcome: 'timeout', error_code: 'TIMEOUT' },
      ]),
    );
    const metrics = await server.metrics.registry.metrics();
    expect(metrics).toMatch(/mcp_tool_calls_total\{server="acme",tool="ask_backend",outcome="timeout"\} 1/);
  });

  it('SIGTERM with calls stuck on the backend: every call is answered UNAVAILABLE and audited, the process exits 0', async () => {
    served = await serveFixture({
      AUDIT_ENABLED: 'true',
      AUDIT_SPOOL_DIR: `${spool.path}/process`,
      DATABASE_URL: db.url,
      REQUEST_STATE_SECRET: 'deadline-test-request-state-secret-0123456789',
      STUCK_BACKEND_URL: backend.url,
      TOOL_TIMEOUT_MS: '600000',
      SHUTDOWN_GRACE_MS: '3000',
    });
    const { child, exited, lines, fetch: request } = served;
    const call = async (name: string, id: number) => {
      const res = await request('/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }),
      });
      const text = await res.text();
      const data = text.split('\n').find((l) => l.startsWith('data: '));
      return { status: res.status, body: JSON.parse(data ? data.slice(6) : text) as Record<string, unknown> };
    };
    const before = backend.received;
    const calls = [
      call('ask_backend', 1),
      call('ask_backend', 2),
      call('ask_backend_blindly', 3),
      call('ask_backend_blindly', 4),
    ];
    await waitFor(() => backend.received - before === 4, 'four calls to reach the backend');
    child.kill('SIGTERM');

    const answers = await Promise.all(calls);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(resultOf(answer.body)).toMatchObject({
        isError: true,
        structuredContent: { code: 'UNAVAILABLE', retryable: true },
      });
    }
    expect(await exited).toBe(0);
    // Closed within the budget (no "stopping anyway"), and the backend holds no request of ours.
    expect(lines.some((l) => l.msg === 'server closed')).toBe(true);
    expect(lines.some((l) => String(l.msg).includes('stopping anyway'))).toBe(false);
    await waitFor(() => backend.open === 0, 'the backend to see every request closed');

    const rows = (await auditRows(db.url)).filter((r) => r.name.startsWith('ask_backend'));
    const fromProcess = rows.filter((r) => r.error_code === 'UNAVAILABLE');
    expect(fromProcess).toHaveLength(4);
    expect(fromProcess.every((r) => r.outcome === 'upstream_unavailable')).toBe(true);
  }, 120_000);
});
