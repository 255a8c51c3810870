import { randomUUID } from 'node:crypto';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  AuditTrail,
  canonicalJson,
  canonicalRow,
  chainRecords,
  GENESIS_HASH,
  verifyChains,
} from '../../src/audit/index.ts';
import { auditDatabase, auditRecord, type TestDatabase, tempDir } from './support.ts';

function record(name: string, args: unknown): AuditRecord {
  return auditRecord({
    name,
    subject: 'alice',
    clientId: 'c1',
    protocolEra: '2026',
    protocolVersion: '2026-07-28',
    correlationId: randomUUID(),
    arguments: args,
    durationMs: Math.random() * 10,
    resultBytes: 12,
    resultSha256: 'a'.repeat(64),
    touched: ['crm:Account/001'],
  });
}

describe('canonical JSON and chaining', () => {
  it('sorts keys at every level and is independent of insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('links each row to the previous one, starting from the genesis hash', () => {
    const { rows, head } = chainRecords('c', { chainSeq: 0, hash: GENESIS_HASH }, [
      record('a', {}),
      record('b', {}),
    ]);
    expect(rows.map((r) => r.chainSeq)).toEqual([1, 2]);
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(head).toEqual({ chainSeq: 2, hash: rows[1]!.hash });
  });
});

describeWithPostgres('hash chains in PostgreSQL', (databaseUrl) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let dirs: Array<Awaited<ReturnType<typeof tempDir>>>;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_chain');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    dirs = [await tempDir('chain-a'), await tempDir('chain-b')];
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    for (const d of dirs ?? []) await d.remove();
  });

  it('two replicas writing concurrently each keep a chain that verifies on its own', async () => {
    const replicas = dirs.map(
      (d) => new AuditTrail({ pool, spoolDir: d.path, flushIntervalMs: 5, batchRows: 7 }),
    );
    for (const r of replicas) await r.start();
    // Values PostgreSQL would otherwise store differently from what was hashed: NUL, lone surrogates,
    // big and tiny numbers, unicode, deep nesting, key order.
    const tricky = [
      {
        text: 'nul\u0000byte',
        lone: '\ud800x',
        emoji: '🦄',
        big: 12345678901234567000,
        tiny: 1e-7,
        huge: 1e21,
      },
      { z: { y: { x: [1, 2.5, -0, 'ü'] } }, a: true, n: null },
    ];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      const replica = replicas[i % 2]!;
      replica.record(record(`tool_${i % 3}`, { i, ...tricky[i % 2] }));
      if (i % 10 === 0) writes.push(replica.recordNow(record('intent_tool', { i })));
    }
    await Promise.all(writes);
    for (const r of replicas) await r.close();

    const report = await verifyChains(pool);
    expect(report).toEqual({ chains: 2, rows: 66, broken: [] });
    const { rows } = await pool.query(
      `SELECT arguments FROM audit_log WHERE arguments->>'i' = '2' AND name = 'tool_2'`,
    );
    expect(rows[0].arguments.text).toBe('nul\ufffdbyte');
  });

  /** A chain of its own (so no test depends on another's rows): `count` rows written through a trail. */
  async function writeChain(count: number, label: string): Promise<string> {
    const dir = await tempDir(`chain-${label}`);
    dirs.push(dir);
    const chainId = `test/${label}/${randomUUID().slice(0, 8)}`;
    // The rows must reach PostgreSQL at close: on a loaded machine writing thousands of them can take
    // longer than the default shutdown budget (half a second), after which they would go to the spool.
    const trail = new AuditTrail({
      pool,
      spoolDir: dir.path,
      flushIntervalMs: 5,
      batchRows: 5_000,
      chainId,
      closeTimeoutMs: 60_000,
    });
    await trail.start();
    for (let i = 0; i < count; i++) {
      trail.record({ ...record(`tool_${i % 3}`, { i }), approvalId: i % 2 ? randomUUID() : null });
    }
    await trail.close();
    expect(await verifyChains(pool, { chainId })).toEqual({ chains: 1, rows: count, broken: [] });
    return chainId;
  }

  async function asSuperuserBypassingTriggers(sql: string, params: unknown[]): Promise<void> {
    const admin = await pool.connect();
    try {
      // A superuser can bypass the append-only trigger; the chain still gives it away.
      await admin.query(`SET session_replication_role = replica`);
      const { rowCount } = await admin.query(sql, params);
      expect(rowCount).toBe(1);
      await admin.query(`RESET session_replication_role`);
    } finally {
      admin.release();
    }
  }

  // Every field the hash covers (read from the canonical form itself, so a field added there is
  // covered here too), except the chain's own position (deleted/reordered rows: next test). A row
  // with a correlation field takes the version-2 form, which covers the correlation columns too;
  // setting one on a version-1 row switches its form, so tampering is caught either way.
  const hashedColumns = Object.keys(
    JSON.parse(canonicalRow({ ...record('x', {}), idpSession: 'sid-1', chainId: 'c', chainSeq: 1 })),
  )
    .filter((field) => !['v', 'chainId', 'chainSeq'].includes(field))
    .map((field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

  it('the hash covers every column of audit_log but the hash fields themselves', async () => {
    const { rows } = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_log' ORDER BY column_name`,
    );
    const stored = rows
      .map((r) => r.column_name as string)
      .filter((c) => !['seq', 'prev_hash', 'hash'].includes(c));
    expect([...hashedColumns, 'chain_id', 'chain_seq'].sort()).toEqual(stored);
  });

  it.each(hashedColumns)('reports a row whose %s was changed in the database', async (column) => {
    const chainId = await writeChain(4, column.replaceAll('_', '-'));
    const { rows: types } = await pool.query(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'audit_log' AND column_name = $1`,
      [column],
    );
    expect(types, `audit_log has no column ${column}`).toHaveLength(1);
    const changed: Record<string, string> = {
      uuid: `gen_random_uuid()`,
      jsonb: `'{"tampered": true}'::jsonb`,
      ARRAY: `array_append(${column}, 'tampered')`,
      'timestamp with time zone': `${column} + interval '1 second'`,
      'double precision': `coalesce(${column}, 0) + 1`,
      integer: `coalesce(${column}, 0) + 1`,
      text: `coalesce(${column}, '') || 'x'`,
    };
    const expression = changed[types[0].data_type as string];
    expect(expression, `no way to change a ${types[0].data_type} column`).toBeDefined();
    await asSuperuserBypassingTriggers(
      `UPDATE audit_log SET ${column} = ${expression} WHERE chain_id = $1 AND chain_seq = 3`,
      [chainId],
    );
    const report = await verifyChains(pool, { chainId });
    expect(report.broken).toEqual([
      expect.objectContaining({ chainId, chainSeq: 3, reason: expect.stringContaining('modified') }),
    ]);
  });

  it('reports a chain cut short at its end, and a chain deleted whole (high-water marks)', async () => {
    const dir = await tempDir('chain-tail');
    const trail = new AuditTrail({ pool, spoolDir: dir.path, flushIntervalMs: 5, chainId: 'tail-test/1' });
    const gone = new AuditTrail({
      pool,
      spoolDir: `${dir.path}/gone`,
      flushIntervalMs: 5,
      chainId: 'gone-test/1',
    });
    try {
      await trail.start();
      await gone.start();
      for (let i = 0; i < 4; i++) trail.record(record('tool_tail', { i }));
      await trail.flush();
      for (let i = 4; i < 9; i++) trail.record(record('tool_tail', { i }));
      gone.record(record('tool_gone', { i: 0 }));
      await trail.close();
      await gone.close();
      expect((await verifyChains(pool, { chainId: 'tail-test/1' })).broken).toEqual([]);

      const admin = await pool.connect();
      try {
        await admin.query(`SET session_replication_role = replica`);
        await admin.query(`DELETE FROM audit_log WHERE chain_id = 'tail-test/1' AND chain_seq > 6`);
        await admin.query(`DELETE FROM audit_log WHERE chain_id = 'gone-test/1'`);
        await admin.query(`RESET session_replication_role`);
      } finally {
        admin.release();
      }
      // What is left of the chain is internally consistent: only the marks show the cut.
      const report = await verifyChains(pool, { chainId: 'tail-test/1' });
      expect(report.broken).toEqual([
        expect.objectContaining({
          chainId: 'tail-test/1',
          chainSeq: 7,
          reason: expect.stringContaining('chain cut short: it ends at chain_seq 6 but reached 9'),
        }),
      ]);
      const whole = await verifyChains(pool, { chainId: 'gone-test/1' });
      expect(whole).toMatchObject({ chains: 1, rows: 0 });
      expect(whole.broken).toEqual([
        expect.objectContaining({
          chainId: 'gone-test/1',
          reason: expect.stringContaining('chain cut short'),
        }),
      ]);
    } finally {
      await dir.remove();
    }
  });

  it('reports rows deleted from the middle of a chain', async () => {
    const chainId = await writeChain(6, 'deleted');
    await asSuperuserBypassingTriggers(`DELETE FROM audit_log WHERE chain_id = $1 AND chain_seq = 4`, [
      chainId,
    ]);
    const report = await verifyChains(pool, { chainId });
    expect(report.broken).toEqual([
      expect.objectContaining({ chainId, chainSeq: 5, reason: expect.stringContaining('missing rows') }),
    ]);
  });

  it('verifies a chain longer than one page (1,000 rows) and finds a change past the first page', async () => {
    const chainId = await writeChain(2_100, 'paged');
    await asSuperuserBypassingTriggers(
      `UPDATE audit_log SET outcome = 'error' WHERE chain_id = $1 AND chain_seq = 1500`,
      [chainId],
    );
    const report = await verifyChains(pool, { chainId });
    expect(report.chains).toBe(1);
    expect(report.rows).toBe(2_100);
    expect(report.broken).toEqual([
      expect.objectContaining({ chainId, chainSeq: 1500, reason: expect.stringContaining('modified') }),
    ]);
  }, 120_000);
});
