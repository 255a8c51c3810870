import { fileURLToPath } from 'node:url';
import { type MigrationSet, runMigrations } from '@mcp-platform/server-kit';
import type pg from 'pg';
import { seedRows } from './sandbox-seed.ts';

/** Everything the sandbox owns lives in this schema, beside (never inside) the runtime's tables. */
export const SCHEMA = 'crm_sandbox';

/** The sandbox's migrations, run by the kit's one runner (`crm migrate`, or at start on embedded PostgreSQL). */
export const SANDBOX_MIGRATIONS: MigrationSet = {
  name: 'crm sandbox',
  dir: fileURLToPath(new URL('../../migrations', import.meta.url)),
  table: 'crm_migrations',
};

export interface MigrationResult {
  /** Names of the migrations applied by this run. */
  applied: string[];
  seeded: { anchorDate: string; counts: Record<string, number> } | undefined;
}

/**
 * Creates (and upgrades) the sandbox schema, then seeds the demo org once. Safe to run from several
 * replicas at once: an advisory lock serialises them. The seed is deterministic given its anchor date.
 */
export async function migrateSandbox(
  pool: pg.Pool,
  options: { anchorDate: string; seed: number },
): Promise<MigrationResult> {
  const applied = await runMigrations(pool, SANDBOX_MIGRATIONS);
  return { applied, seeded: await seedSandbox(pool, options) };
}

/** Seeds the demo org once (deterministic given anchor date and seed); later runs change nothing. */
export async function seedSandbox(
  pool: pg.Pool,
  options: { anchorDate: string; seed: number },
): Promise<MigrationResult['seeded']> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('${SCHEMA}'))`);
    const seededAt = await client.query(`SELECT value FROM ${SCHEMA}.meta WHERE key = 'anchor_date'`);
    if (seededAt.rowCount !== 0) return undefined;
    const rows = seedRows(options.anchorDate, options.seed);
    const counts: Record<string, number> = {};
    await client.query('BEGIN');
    try {
      for (const [table, records] of Object.entries(rows)) {
        counts[table] = records.length;
        await insertAll(client, table, records);
      }
      await client.query(`INSERT INTO ${SCHEMA}.meta (key, value) VALUES ('anchor_date', $1), ('seed', $2)`, [
        options.anchorDate,
        String(options.seed),
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    return { anchorDate: options.anchorDate, counts };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('${SCHEMA}'))`).catch(() => {});
    client.release();
  }
}

/** Multi-row parameterised INSERTs, in batches that stay under PostgreSQL's 65535-parameter limit. */
async function insertAll(
  client: pg.PoolClient,
  table: string,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  const first = records[0];
  if (!first) return;
  const columns = Object.keys(first);
  const perBatch = Math.floor(5000 / columns.length);
  for (let start = 0; start < records.length; start += perBatch) {
    const batch = records.slice(start, start + perBatch);
    const params: unknown[] = [];
    const tuples = batch.map((record) => {
      const slots = columns.map((column) => {
        params.push(record[column] ?? null);
        return `$${params.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${SCHEMA}.${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}
