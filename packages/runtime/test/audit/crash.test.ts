import type { ChildProcess } from 'node:child_process';
import { loudSkip, type ServerProcess } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, verifyChains } from '../../src/audit/index.ts';
import { serveFixture } from '../support/serve-process.ts';
import { waitFor } from '../support/throwaway-redis.ts';
import { tempDir } from './support.ts';
import {
  startThrowawayPostgres,
  type ThrowawayPostgres,
  throwawayUnavailable,
} from './throwaway-postgres.ts';

/**
 * No answered call without a durable audit row: a real server process, its PostgreSQL stopped, its
 * spool (1 MiB) filled until calls are refused, then `kill -9`. After PostgreSQL and the server are
 * back, every call that was answered has its row; the refused ones were never answered ok.
 */
const unavailable = throwawayUnavailable();
if (unavailable) loudSkip('audit crash at spool saturation (own PostgreSQL stopped)', unavailable);

/** A POST to /mcp; a failure names the server process's state (so a crash shows its cause). */
function post(served: ServerProcess, init: RequestInit): Promise<Response> {
  return served.fetch('/mcp', { method: 'POST', ...init });
}

function serve(env: Record<string, string>): Promise<ServerProcess> {
  return serveFixture({
    AUDIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '0',
    REQUEST_STATE_SECRET: 'crash-test-request-state-secret-0123456789abc',
    ...env,
  });
}

async function call(served: ServerProcess, id: string, query: string): Promise<'ok' | string> {
  const res = await post(served, {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      'x-request-id': id,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'search_accounts', arguments: { query } },
    }),
  });
  const text = await res.text();
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  const message = JSON.parse(data ? data.slice(6) : text) as {
    result?: { isError?: boolean; structuredContent?: { code?: string } };
  };
  if (!message.result) return `http ${res.status}`;
  return message.result.isError ? String(message.result.structuredContent?.code) : 'ok';
}

describe.skipIf(unavailable !== undefined)('audit rows survive a crash at spool saturation', () => {
  let database: ThrowawayPostgres;
  let spool: Awaited<ReturnType<typeof tempDir>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await startThrowawayPostgres();
    await migrate(database.url);
    spool = await tempDir('audit-crash');
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.destroy();
    await spool?.remove();
  });

  it('kill -9 with PostgreSQL down and the spool full loses no answered call', async () => {
    const env = {
      DATABASE_URL: database.url,
      AUDIT_SPOOL_DIR: spool.path,
      AUDIT_SPOOL_MAX_BYTES: String(1024 * 1024),
    };
    const first = await serve(env);
    children.push(first.child);
    const answered: string[] = [];
    const refused: string[] = [];
    const big = 'q'.repeat(16_000);
    let n = 0;
    const wave = async () => {
      const ids = Array.from({ length: 8 }, () => `crash-${++n}`);
      const outcomes = await Promise.all(ids.map((id) => call(first, id, `${id}-${big}`)));
      outcomes.forEach((outcome, i) => {
        if (outcome === 'ok') answered.push(ids[i]!);
        else {
          expect(outcome).toBe('AUDIT_UNAVAILABLE');
          refused.push(ids[i]!);
        }
      });
    };
    await wave(); // PostgreSQL up: batched rows
    await database.stop();
    for (let i = 0; i < 40 && refused.length === 0; i++) await wave();
    await wave(); // saturated: everything refused, nothing answered unrecorded
    expect(refused.length).toBeGreaterThan(0);
    // A write refused at saturation is still on record (the spool keeps headroom for refusals).
    const refusedWrite = await post(first, {
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        'x-request-id': 'crash-refused-write',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'update_account', arguments: { id: 'a1', name: 'Renamed' } },
      }),
    });
    expect(await refusedWrite.text()).toContain('AUDIT_UNAVAILABLE');
    expect(answered.length).toBeGreaterThan(30);
    expect(first.lines.some((l) => String(l.msg).includes('spooling audit rows locally'))).toBe(true);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);

    await database.start();
    const second = await serve(env);
    children.push(second.child);
    const pool = new pg.Pool({ connectionString: database.url });
    try {
      const stored = async () => {
        const { rows } = await pool.query<{ correlation_id: string; outcome: string }>(
          `SELECT correlation_id, outcome FROM audit_log WHERE event = 'call' AND correlation_id = ANY($1)`,
          [answered],
        );
        return rows;
      };
      await waitFor(
        async () => (await stored()).length >= answered.length,
        'the spool to be replayed',
        60_000,
      );
      const rows = await stored();
      expect(rows.map((r) => r.correlation_id).sort()).toEqual([...answered].sort());
      expect(rows.every((r) => r.outcome === 'ok')).toBe(true);
      const { rows: refusal } = await pool.query(
        `SELECT name, outcome, error_code FROM audit_log WHERE correlation_id = 'crash-refused-write'`,
      );
      expect(refusal).toEqual([
        { name: 'update_account', outcome: 'upstream_unavailable', error_code: 'AUDIT_UNAVAILABLE' },
      ]);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      // Both processes' chains verify: the crashed one ends where its last stored batch ended.
      expect((await verifyChains(pool)).broken).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 180_000);
});
