import type pg from 'pg';
import { SEED_TABLES, type SeedTables, seedTables } from './sandbox-seed.ts';

/** Numbers given to records created after seeding (the fake instance counts from the same place). */
export const FIRST_NEW_NUMBER = { incident: 20_001, change_request: 31_001 } as const;

/** Everything the sandbox owns lives in this schema, beside (never inside) the runtime's tables. */
export const SCHEMA = 'itsm_sandbox';

const TEXT_COLUMNS: Record<(typeof SEED_TABLES)[number], string[]> = {
  sys_user_group: ['name', 'manager', 'email'],
  sys_user: ['user_name', 'name', 'email'],
  cmdb_ci: ['name', 'sys_class_name', 'environment', 'operational_status', 'support_group', 'managed_by_group', 'short_description'],
  cmdb_rel_ci: ['parent', 'child', 'type'],
  problem: ['number', 'short_description', 'state', 'cmdb_ci', 'opened_at'],
  change_request: [
    'number', 'short_description', 'description', 'type', 'state', 'risk', 'impact', 'cmdb_ci', 'business_service',
    'assignment_group', 'requested_by', 'start_date', 'end_date', 'justification', 'implementation_plan',
    'backout_plan', 'test_plan', 'approval', 'sys_created_on', 'sys_updated_on',
  ],
  incident: [
    'number', 'short_description', 'description', 'state', 'active', 'impact', 'urgency', 'priority', 'category',
    'assignment_group', 'assigned_to', 'cmdb_ci', 'business_service', 'opened_at', 'opened_by', 'sys_updated_on',
    'resolved_at', 'close_code', 'close_notes', 'problem_id', 'caused_by',
  ],
  sys_journal_field: ['name', 'element_id', 'element', 'value', 'sys_created_on', 'sys_created_by'],
  contract_sla: ['name', 'duration_hours'],
  task_sla: ['task', 'sla', 'stage', 'has_breached', 'planned_end_time', 'percentage'],
  sys_choice: ['name', 'element', 'value', 'label', 'inactive', 'language', 'sequence'],
};

/** Ordered migrations; each runs once, recorded in itsm_sandbox.migrations. Append only. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'ServiceNow tables',
    sql: [
      ...SEED_TABLES.map(
        (table) =>
          `CREATE TABLE ${SCHEMA}.${table} (sys_id text PRIMARY KEY, ${TEXT_COLUMNS[table]
            .map((c) => `${c} text NOT NULL DEFAULT ''`)
            .join(', ')});`,
      ),
      `CREATE UNIQUE INDEX incident_number ON ${SCHEMA}.incident (number);`,
      `CREATE INDEX incident_ci ON ${SCHEMA}.incident (cmdb_ci);`,
      `CREATE INDEX incident_service ON ${SCHEMA}.incident (business_service);`,
      `CREATE UNIQUE INDEX change_number ON ${SCHEMA}.change_request (number);`,
      `CREATE INDEX change_window ON ${SCHEMA}.change_request (start_date, sys_id);`,
      `CREATE INDEX ci_name ON ${SCHEMA}.cmdb_ci (name);`,
      `CREATE INDEX rel_parent ON ${SCHEMA}.cmdb_rel_ci (parent);`,
      `CREATE INDEX rel_child ON ${SCHEMA}.cmdb_rel_ci (child);`,
      `CREATE INDEX journal_element ON ${SCHEMA}.sys_journal_field (element_id, sys_created_on);`,
      `CREATE INDEX task_sla_task ON ${SCHEMA}.task_sla (task);`,
      `CREATE SEQUENCE ${SCHEMA}.incident_number START ${FIRST_NEW_NUMBER.incident};`,
      `CREATE SEQUENCE ${SCHEMA}.change_number START ${FIRST_NEW_NUMBER.change_request};`,
      `CREATE TABLE ${SCHEMA}.meta (key text PRIMARY KEY, value text NOT NULL);`,
    ].join('\n'),
  },
];

export interface MigrationResult {
  applied: number[];
  seeded: { anchorDate: string; counts: Record<string, number> } | undefined;
}

/**
 * Creates (and upgrades) the sandbox schema, then seeds the demo instance once. Safe to run from
 * several replicas at once: an advisory lock serialises them. The seed is deterministic.
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
      (await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.migrations`)).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await inTransaction(client, async () => {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${SCHEMA}.migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      });
      applied.push(m.version);
    }
    const seededAt = await client.query(`SELECT value FROM ${SCHEMA}.meta WHERE key = 'anchor_date'`);
    let seeded: MigrationResult['seeded'];
    if (seededAt.rowCount === 0) {
      const tables: SeedTables = seedTables(options.anchorDate, options.seed);
      const counts: Record<string, number> = {};
      await inTransaction(client, async () => {
        for (const table of SEED_TABLES) {
          counts[table] = tables[table].length;
          await insertAll(client, table, tables[table]);
        }
        await client.query(`INSERT INTO ${SCHEMA}.meta (key, value) VALUES ('anchor_date', $1), ('seed', $2)`, [
          options.anchorDate,
          String(options.seed),
        ]);
      });
      seeded = { anchorDate: options.anchorDate, counts };
    }
    return { applied, seeded };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('${SCHEMA}'))`).catch(() => {});
    client.release();
  }
}

async function inTransaction(client: pg.PoolClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Multi-row parameterised INSERTs, in batches well under PostgreSQL's parameter limit. */
async function insertAll(
  client: pg.PoolClient,
  table: (typeof SEED_TABLES)[number],
  records: ReadonlyArray<Record<string, string>>,
): Promise<void> {
  const columns = ['sys_id', ...TEXT_COLUMNS[table]];
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
    await client.query(`INSERT INTO ${SCHEMA}.${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}
