import { randomBytes } from 'node:crypto';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuditTrail, migrate, verifyChains } from '../../src/audit/index.ts';
import { auditRecord, createTestDatabase, tempDir } from './support.ts';

describeWithPostgres('audit_log is append-only', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const role = `audit_rt_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let owner: pg.Pool;
  let runtime: pg.Pool;
  let spool: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'audit_perm');
    owner = new pg.Pool({ connectionString: db.url, max: 2 });
    await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await migrate(db.url, { runtimeRole: role });
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    runtime = new pg.Pool({ connectionString: url.toString(), max: 2 });
    spool = await tempDir('audit-perm');
  });

  afterAll(async () => {
    await runtime?.end();
    await owner?.end();
    await db?.drop();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
    await spool?.remove();
  });

  it('the runtime role can append and read, and nothing else', async () => {
    const trail = new AuditTrail({ pool: runtime, spoolDir: spool.path });
    await trail.start();
    await trail.recordNow(
      auditRecord({
        event: 'intent',
        name: 'update_stage',
        subject: 'alice',
        arguments: { id: '006A' },
        outcome: 'pending',
      }),
    );
    await trail.close();
    expect((await verifyChains(runtime)).rows).toBe(1);

    for (const statement of [
      `UPDATE audit_log SET outcome = 'ok'`,
      `DELETE FROM audit_log`,
      `TRUNCATE audit_log`,
      `ALTER TABLE audit_log DISABLE TRIGGER USER`,
    ]) {
      await expect(runtime.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    }
    // Approvals move through states but are never deleted.
    await expect(
      runtime.query(`UPDATE approval_requests SET status = 'expired' WHERE false`),
    ).resolves.toBeDefined();
    await expect(runtime.query(`DELETE FROM approval_requests`)).rejects.toMatchObject({ code: '42501' });
  });

  it('a role the migration did not name gets nothing (REVOKE FROM PUBLIC)', async () => {
    const other = `audit_other_${randomBytes(4).toString('hex')}`;
    await owner.query(`CREATE ROLE ${other}`);
    try {
      const client = await owner.connect();
      try {
        await client.query(`SET ROLE ${other}`);
        await expect(client.query('SELECT 1 FROM audit_log')).rejects.toMatchObject({ code: '42501' });
        await client.query('RESET ROLE');
      } finally {
        client.release();
      }
    } finally {
      await owner.query(`DROP ROLE ${other}`);
    }
  });

  it('even the owner cannot update, delete or truncate while the trigger is in place', async () => {
    for (const statement of [
      `UPDATE audit_log SET outcome = 'ok'`,
      `DELETE FROM audit_log`,
      `TRUNCATE audit_log`,
    ]) {
      await expect(owner.query(statement), statement).rejects.toThrow(/append-only/);
    }
    const { rows } = await owner.query('SELECT count(*)::int AS n FROM audit_log');
    expect(rows[0].n).toBe(1);
  });
});
