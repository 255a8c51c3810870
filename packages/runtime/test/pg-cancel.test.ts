import { randomUUID } from 'node:crypto';
import { runWithCallSignal } from '@mcp-platform/protocol';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryWithCallSignal } from '../src/pg-cancel.ts';
import { waitFor } from './support/throwaway-redis.ts';

/** A call whose signal fires leaves no statement running in PostgreSQL. */
describeWithPostgres('PostgreSQL statements end with their call', (databaseUrl) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'runtime_pg_cancel');
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const running = async (marker: string) => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`,
      [`%${marker}%`],
    );
    return rows[0].n as number;
  };

  it('cancels the statement on the server when the call signal fires', async () => {
    const marker = `cancel-test-${randomUUID()}`;
    const call = new AbortController();
    const query = runWithCallSignal(call.signal, () =>
      queryWithCallSignal(pool, `SELECT pg_sleep(120) /* ${marker} */`),
    );
    query.catch(() => {});
    await waitFor(async () => (await running(marker)) === 1, 'the statement to run');
    call.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(query).rejects.toMatchObject({ code: '57014' });
    expect(await running(marker)).toBe(0);
  });

  it('outside a call it is a plain query', async () => {
    const { rows } = await queryWithCallSignal(pool, 'SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
