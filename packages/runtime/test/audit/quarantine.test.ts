import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditTrail, verifyChains } from '../../src/audit/index.ts';
import { QUARANTINE_FILE } from '../../src/audit/quarantine.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { SPOOL_FILE } from '../../src/audit/spool.ts';
import { auditDatabase, auditRecord, type TestDatabase, tempDir } from './support.ts';

function row(name: string, args: unknown): AuditRecord {
  return auditRecord({ server: 'acme', name, subject: 'mallory', arguments: args, durationMs: 1 });
}

// A data error the sanitiser cannot foresee (standing in for any value PostgreSQL refuses): this
// database refuses rows whose arguments carry the key "poison", with SQLSTATE 22023.
const POISON_TRIGGER = `
CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.arguments ? 'poison' THEN
    RAISE EXCEPTION 'poisoned audit row' USING ERRCODE = '22023';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_poison();`;

describeWithPostgres('audit: a row PostgreSQL refuses is quarantined, never an outage', (databaseUrl) => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_quarantine');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    await pool.query(POISON_TRIGGER);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const stored = async (ids: string[]) =>
    (
      await pool.query<{ id: string; arguments: Record<string, unknown>; detail: unknown }>(
        'SELECT id, arguments, detail FROM audit_log WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).rows;

  it('writes the rest of the batch, stores a marked substitute, keeps the original, stays healthy', async () => {
    const spool = await tempDir('audit-quarantine');
    const trail = new AuditTrail({ pool, spoolDir: spool.path, flushIntervalMs: 10_000 });
    await trail.start();
    try {
      const rows = [row('a', { n: 1 }), row('b', { poison: true }), row('c', { n: 3 })];
      for (const r of rows) trail.record(r);
      await trail.flush();
      const status = trail.status();
      expect(status.databaseHealthy).toBe(true);
      expect(status.rowsSpooled).toBe(0);
      expect(status.rowsQuarantined).toBe(1);
      expect(status.lastRefusal).toContain('22023');
      const byId = new Map((await stored(rows.map((r) => r.id))).map((r) => [r.id, r]));
      expect(byId.size).toBe(3);
      expect(byId.get(rows[0]!.id)?.arguments).toEqual({ n: 1 });
      expect(byId.get(rows[1]!.id)?.arguments).toMatchObject({ $audit: 'quarantined', sqlstate: '22023' });
      const quarantined = (await readFile(join(spool.path, QUARANTINE_FILE), 'utf8')).trim().split('\n');
      expect(quarantined).toHaveLength(1);
      expect(JSON.parse(quarantined[0]!)).toMatchObject({
        sqlstate: '22023',
        record: { id: rows[1]!.id, arguments: { poison: true } },
      });
      // A write intent hits the same isolation: the write may proceed with its substitute on record.
      await expect(trail.recordNow(row('intent', { poison: 1 }))).resolves.toBeUndefined();
      expect((await verifyChains(pool, { chainId: trail.chainId })).broken).toEqual([]);
    } finally {
      await trail.close();
      await spool.remove();
    }
  });

  it('replays a spool holding a poisoned row (left by an earlier run) without wedging', async () => {
    const spool = await tempDir('audit-quarantine-spool');
    const rows = [row('s1', { n: 1 }), row('s2', { poison: 'again' }), row('s3', { n: 3 })];
    await writeFile(join(spool.path, SPOOL_FILE), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const trail = new AuditTrail({ pool, spoolDir: spool.path, flushIntervalMs: 10_000 });
    await trail.start();
    try {
      await trail.flush();
      expect(trail.status()).toMatchObject({ databaseHealthy: true, spoolBytes: 0, rowsReplayed: 3 });
      expect(await stored(rows.map((r) => r.id))).toHaveLength(3);
    } finally {
      await trail.close();
      await spool.remove();
    }
  });
});
