import { fileURLToPath } from 'node:url';
import { type MigrationSet, runMigrations } from '@mcp-platform/server-kit';
import type pg from 'pg';
import { generateSeed, type SeedData } from './sandbox-seed.ts';

/** Everything the sandbox S/4HANA owns lives in this schema, beside the runtime's tables. */
export const SCHEMA = 'finance_sandbox';
const S = SCHEMA;

/** The sandbox's tables (servers/finance/migrations), applied by the kit's migration runner. */
export const SANDBOX_MIGRATIONS: MigrationSet = {
  name: 'finance',
  dir: fileURLToPath(new URL('../../migrations', import.meta.url)),
  table: 'finance_migrations',
};
type Rows = ReadonlyArray<Record<string, unknown>>;

/** Multi-row INSERTs of `rows` in batches (parameters only; no value is ever spliced into SQL). */
async function insert(client: pg.PoolClient, table: string, rows: Rows): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const batch = Math.floor(30_000 / columns.length);
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`);
    await client.query(
      `INSERT INTO ${S}.${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}

/**
 * Seeds the (migrated) sandbox once: a transaction guarded by an advisory lock, so replicas starting
 * together seed it once. Returns whether this call seeded it.
 */
export async function seedSandbox(
  pool: pg.Pool,
  options: { anchorDate: string; seed: number; data?: SeedData },
): Promise<{ seeded: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('finance_sandbox'))");
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${S}.meta`);
    if (rows[0].n > 0) {
      await client.query('COMMIT');
      return { seeded: false };
    }
    const data = options.data ?? generateSeed(options.anchorDate, options.seed);
    await insert(client, 'suppliers', data.suppliers as unknown as Rows);
    await insert(client, 'supplier_companies', data.supplierCompanies as unknown as Rows);
    await insert(client, 'purchase_orders', data.purchaseOrders as unknown as Rows);
    await insert(client, 'purchase_order_items', data.purchaseOrderItems as unknown as Rows);
    await insert(client, 'invoices', data.invoices as unknown as Rows);
    await insert(client, 'contracts', data.contracts as unknown as Rows);
    await client.query(`INSERT INTO ${S}.meta (key, value) VALUES ('anchor', $1), ('seed', $2)`, [
      data.anchor,
      String(options.seed),
    ]);
    await client.query('COMMIT');
    return { seeded: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Migrations, then the seed: what `finance migrate` and a first start do to the sandbox database. */
export async function prepareSandbox(
  pool: pg.Pool,
  options: { anchorDate: string; seed: number; data?: SeedData },
): Promise<{ applied: string[]; seeded: boolean }> {
  const applied = await runMigrations(pool, SANDBOX_MIGRATIONS);
  const { seeded } = await seedSandbox(pool, options);
  return { applied, seeded };
}
