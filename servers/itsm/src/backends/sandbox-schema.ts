import { fileURLToPath } from 'node:url';
import { createPgClient, type MigrationSet, runMigrations } from '@mcp-platform/server-kit';
import type pg from 'pg';
import { SEED_TABLES, type SeedTable, seedTables } from './sandbox-seed.ts';

/** Everything the sandbox owns lives in this schema, beside (never inside) the runtime's tables. */
export const SCHEMA = 'itsm_sandbox';

/** Numbers of records created after seeding (the fake instance counts from the same place). */
export const FIRST_NEW_NUMBER = { incident: 20_001, change_request: 31_001 } as const;

/** The sandbox's migrations (servers/itsm/migrations), applied by the kit's one migration runner. */
export const SANDBOX_MIGRATIONS: MigrationSet = {
  name: 'itsm',
  dir: fileURLToPath(new URL('../../migrations', import.meta.url)),
  table: 'itsm_migrations',
};

export interface SeedResult {
  applied: string[];
  seeded: { anchorDate: string; counts: Record<string, number> } | undefined;
}

/**
 * Seeds the demo instance once (deterministic given the anchor date and seed); the schema must be
 * migrated. Safe from several replicas at once: an advisory lock serialises the seeding. Returns the
 * row counts, or undefined when it was seeded before.
 */
export async function seedSandbox(
  databaseUrl: string,
  options: { anchorDate: string; seed: number },
): Promise<Record<string, number> | undefined> {
  const client = createPgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('${SCHEMA}'))`);
    const seededAt = await client.query(`SELECT value FROM ${SCHEMA}.meta WHERE key = 'anchor_date'`);
    if (seededAt.rowCount !== 0) return undefined;
    const tables = seedTables(options.anchorDate, options.seed);
    const counts: Record<string, number> = {};
    await client.query('BEGIN');
    try {
      for (const table of SEED_TABLES) {
        counts[table] = tables[table].length;
        await insertAll(client, table, tables[table]);
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
    return counts;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('${SCHEMA}'))`).catch(() => {});
    await client.end();
  }
}

/** The sandbox schema and its seed in one step (what `itsm migrate` does for the sandbox; tests use it). */
export async function migrateSandbox(
  databaseUrl: string,
  options: { anchorDate: string; seed: number },
): Promise<SeedResult> {
  const applied = await runMigrations(databaseUrl, SANDBOX_MIGRATIONS);
  const counts = await seedSandbox(databaseUrl, options);
  return { applied, seeded: counts === undefined ? undefined : { anchorDate: options.anchorDate, counts } };
}

/** Multi-row parameterised INSERTs, in batches well under PostgreSQL's parameter limit. */
async function insertAll(
  client: pg.Client,
  table: SeedTable,
  records: ReadonlyArray<Record<string, string>>,
): Promise<void> {
  const first = records[0];
  if (!first) return;
  const columns = Object.keys(first);
  for (const column of columns) {
    if (!/^[a-z_]+$/.test(column)) throw new Error(`Bad seed column ${column}`);
  }
  const perBatch = Math.floor(5000 / columns.length);
  for (let start = 0; start < records.length; start += perBatch) {
    const params: unknown[] = [];
    const tuples = records.slice(start, start + perBatch).map((record) => {
      const slots = columns.map((column) => {
        params.push(record[column] ?? '');
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
