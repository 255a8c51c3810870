import { listen, loudSkip } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditFeature, createAuditFeature, migrate, verifyChains } from '../../src/audit/index.ts';
import { buildApp, connectClient, errorOf, RecordStore, SERVER, tempDir, testDefinition } from './support.ts';
import {
  startThrowawayPostgres,
  type ThrowawayPostgres,
  throwawayUnavailable,
} from './throwaway-postgres.ts';

const unavailable = throwawayUnavailable();
if (unavailable) loudSkip('audit outage (own PostgreSQL stopped under load)', unavailable);

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(unavailable !== undefined)('audit outage: PostgreSQL stopped under load', () => {
  let pgServer: ThrowawayPostgres;
  let spool: Awaited<ReturnType<typeof tempDir>>;
  let audit: AuditFeature;
  let app: FastifyInstance;
  let base: string;
  const store = new RecordStore();

  beforeAll(async () => {
    pgServer = await startThrowawayPostgres();
    await migrate(pgServer.url);
    spool = await tempDir('audit-outage');
    audit = await createAuditFeature({
      server: SERVER,
      databaseUrl: pgServer.url,
      spoolDir: spool.path,
      flushIntervalMs: 20,
      batchRows: 25,
      retryMinMs: 50,
      retryMaxMs: 200,
    });
    app = await buildApp(testDefinition(store), [audit]);
    base = await listen(app);
  });

  afterAll(async () => {
    await app?.close();
    await audit?.close?.();
    await pgServer?.destroy();
    await spool?.remove();
  });

  it('loses no audit row: reads keep working while it is down, the spool is replayed once it is back', async () => {
    const PER_PHASE = 40;
    const WORKERS = 6;
    // Reads completed before the stop, while PostgreSQL was down, and after it was started again.
    const completed = { up: 0, down: 0, back: 0 };
    let phase: keyof typeof completed = 'up';
    let finished = false;
    let issued = 0;
    const clients = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        connectClient(base, { user: `reader-${i}`, era: i % 2 ? '2025' : '2026' }),
      ),
    );
    // The readers run without pause through the stop and the start (the "load").
    const worker = async (client: (typeof clients)[number]) => {
      while (!finished) {
        issued += 1;
        const result = await client.callTool({
          name: 'get_record',
          arguments: { id: issued % 2 ? '006A' : '006B' },
        });
        expect(result.isError, JSON.stringify(result)).toBeFalsy();
        completed[phase] += 1;
      }
    };
    const readers = Promise.all(clients.map(worker));
    const total = () => completed.up + completed.down + completed.back;
    let writeDuringOutage: unknown;
    let spooledDuringOutage = 0;
    try {
      await until(() => completed.up >= PER_PHASE, 'reads before the outage');
      await pgServer.stop();
      phase = 'down';
      // While PostgreSQL is down, a write is refused and never runs ...
      writeDuringOutage = await clients[0]!.callTool({
        name: 'add_note',
        arguments: { id: '006A', text: 'x' },
      });
      // ... and reads keep completing: this waits for them, it fails if they stall or error.
      await until(() => completed.down >= PER_PHASE, 'reads to complete while PostgreSQL is down', 120_000);
      // (No flush() here: it waits for the database; the trail's own timer spools.)
      await until(
        () => audit.trail.status().rowsSpooled > 0,
        'the audit rows of those reads to reach the spool',
      );
      spooledDuringOutage = audit.trail.status().rowsSpooled;
      phase = 'back';
      await pgServer.start();
      await until(() => completed.back >= PER_PHASE, 'reads after PostgreSQL is back');
    } finally {
      finished = true;
      await readers;
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(completed.down).toBeGreaterThanOrEqual(PER_PHASE);
    expect(spooledDuringOutage).toBeGreaterThan(0);
    expect(errorOf(writeDuringOutage).code).toBe('AUDIT_UNAVAILABLE');
    expect(store.writes).toEqual([]);
    const TOTAL = total();

    await until(async () => {
      await audit.trail.flush();
      const s = audit.trail.status();
      return s.queueDepth === 0 && s.spoolBytes === 0 && s.databaseHealthy;
    }, 'the spool to drain into PostgreSQL');

    const status = audit.trail.status();
    expect(status.rowsSpooled).toBeGreaterThan(0);
    expect(status.rowsReplayed).toBe(status.rowsSpooled);

    const pool = new pg.Pool({ connectionString: pgServer.url });
    try {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS calls, count(DISTINCT id)::int AS distinct_ids
           FROM audit_log WHERE name = 'get_record' AND event = 'call'`,
      );
      expect(rows[0]).toEqual({ calls: TOTAL, distinct_ids: TOTAL });
      const report = await verifyChains(pool);
      expect(report.broken).toEqual([]);
    } finally {
      await pool.end();
    }
  }, 300_000);
});
