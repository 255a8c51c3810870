import type pg from 'pg';
import { seedRows } from './sandbox-seed.ts';

/** Everything the sandbox owns lives in this schema, beside (never inside) the runtime's tables. */
export const SCHEMA = 'crm_sandbox';

/** Ordered migrations; each runs once, recorded in crm_sandbox.migrations. Append only. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'sales objects',
    sql: `
      CREATE TABLE ${SCHEMA}.users (id text PRIMARY KEY, name text NOT NULL);
      CREATE TABLE ${SCHEMA}.accounts (
        id text PRIMARY KEY, name text NOT NULL, industry text, type text,
        owner_id text REFERENCES ${SCHEMA}.users(id), billing_city text, billing_country text,
        annual_revenue numeric, employees integer, website text, phone text, description text);
      CREATE INDEX accounts_name ON ${SCHEMA}.accounts (name COLLATE "C", id);
      CREATE TABLE ${SCHEMA}.contacts (
        id text PRIMARY KEY, account_id text REFERENCES ${SCHEMA}.accounts(id), first_name text, last_name text NOT NULL,
        title text, email text, phone text, last_activity_date date);
      CREATE INDEX contacts_account ON ${SCHEMA}.contacts (account_id);
      CREATE TABLE ${SCHEMA}.opportunities (
        id text PRIMARY KEY, account_id text REFERENCES ${SCHEMA}.accounts(id), name text NOT NULL, stage text NOT NULL,
        amount numeric, close_date date NOT NULL, probability integer, owner_id text REFERENCES ${SCHEMA}.users(id),
        next_step text, type text, lead_source text, forecast_category text, description text,
        is_closed boolean NOT NULL, is_won boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX opportunities_open ON ${SCHEMA}.opportunities (close_date, id) WHERE NOT is_closed;
      CREATE INDEX opportunities_account ON ${SCHEMA}.opportunities (account_id);
      CREATE TABLE ${SCHEMA}.cases (
        id text PRIMARY KEY, case_number text NOT NULL UNIQUE, account_id text REFERENCES ${SCHEMA}.accounts(id),
        contact_id text REFERENCES ${SCHEMA}.contacts(id), subject text, status text NOT NULL, priority text, origin text,
        is_closed boolean NOT NULL, created_at timestamptz NOT NULL);
      CREATE INDEX cases_account ON ${SCHEMA}.cases (account_id, created_at DESC, id DESC);
      CREATE TABLE ${SCHEMA}.tasks (
        id text PRIMARY KEY, account_id text REFERENCES ${SCHEMA}.accounts(id), what_id text, who_id text,
        subject text, type text, status text, activity_date date, owner_id text REFERENCES ${SCHEMA}.users(id),
        description text, created_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX tasks_account ON ${SCHEMA}.tasks (account_id, activity_date DESC, id DESC);
      CREATE TABLE ${SCHEMA}.contracts (
        id text PRIMARY KEY, contract_number text NOT NULL UNIQUE, account_id text REFERENCES ${SCHEMA}.accounts(id),
        status text NOT NULL, start_date date, end_date date, term_months integer,
        owner_id text REFERENCES ${SCHEMA}.users(id));
      CREATE INDEX contracts_end ON ${SCHEMA}.contracts (end_date, id);
      CREATE SEQUENCE ${SCHEMA}.record_seq START 1000000;
      CREATE TABLE ${SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);
    `,
  },
];

export interface MigrationResult {
  applied: number[];
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
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('${SCHEMA}'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${SCHEMA}.migrations (version, name) VALUES ($1, $2)`, [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(m.version);
    }
    const seededAt = await client.query(`SELECT value FROM ${SCHEMA}.meta WHERE key = 'anchor_date'`);
    let seeded: MigrationResult['seeded'];
    if (seededAt.rowCount === 0) {
      const rows = seedRows(options.anchorDate, options.seed);
      const counts: Record<string, number> = {};
      await client.query('BEGIN');
      try {
        for (const [table, records] of Object.entries(rows)) {
          counts[table] = records.length;
          await insertAll(client, table, records);
        }
        await client.query(
          `INSERT INTO ${SCHEMA}.meta (key, value) VALUES ('anchor_date', $1), ('seed', $2)`,
          [options.anchorDate, String(options.seed)],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      seeded = { anchorDate: options.anchorDate, counts };
    }
    return { applied, seeded };
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
