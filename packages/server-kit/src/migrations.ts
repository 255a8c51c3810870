import type pg from 'pg';
import { createPgClient } from './pg.ts';

/**
 * The one migration runner: node-pg-migrate over a directory of migrations (plain `.sql` files or
 * JS/TS modules), with a bookkeeping table per owner (`runtime_migrations`, `crm_migrations`, ...)
 * so the runtime's and each server's migrations never mix. Safe from several replicas at once
 * (advisory lock), all pending migrations in one transaction, order checked.
 */
export interface MigrationSet {
  /** Who owns these migrations (log lines): `runtime`, `crm`. */
  name: string;
  /** Directory of migration files. */
  dir: string;
  /** node-pg-migrate's bookkeeping table for this set, e.g. `crm_migrations`. */
  table: string;
  /**
   * Custom settings (`SELECT set_config(name, value, false)`) read by the migrations, e.g. a role
   * name for GRANTs: values are never spliced into SQL text.
   */
  settings?: Readonly<Record<string, string>>;
}

export interface RunMigrationsOptions {
  /** Progress lines (default silent). */
  log?: (message: string) => void;
}

/**
 * Applies the pending migrations of `set` to `database` (a URL, or a pool to borrow one connection
 * from). Run it as the role that should own the tables. Returns the names it applied.
 */
export async function runMigrations(
  database: string | pg.Pool,
  set: MigrationSet,
  options: RunMigrationsOptions = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  let client: pg.ClientBase;
  let release: () => Promise<void>;
  if (typeof database === 'string') {
    const own = createPgClient({ connectionString: database, connectionTimeoutMillis: 10_000 });
    await own.connect();
    client = own;
    release = () => own.end();
  } else {
    const pooled = await database.connect();
    client = pooled;
    release = async () => {
      // A pooled connection goes back without this set's settings.
      for (const name of Object.keys(set.settings ?? {})) {
        await pooled.query('SELECT set_config($1, $2, false)', [name, '']).catch(() => {});
      }
      pooled.release();
    };
  }
  try {
    for (const [name, value] of Object.entries(set.settings ?? {})) {
      await client.query('SELECT set_config($1, $2, false)', [name, value]);
    }
    const { runner } = await import('node-pg-migrate');
    const applied = await runner({
      dbClient: client,
      dir: set.dir,
      migrationsTable: set.table,
      direction: 'up',
      count: Number.POSITIVE_INFINITY,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    return applied.map((m) => m.name);
  } finally {
    await release();
  }
}
