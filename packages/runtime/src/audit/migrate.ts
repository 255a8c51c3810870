import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

/** The runtime's own migrations (audit trail, approvals), plain SQL run by node-pg-migrate. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
/** Bookkeeping table of node-pg-migrate, separate from any domain server's own migrations. */
export const MIGRATIONS_TABLE = 'runtime_migrations';

export interface MigrateOptions {
  /**
   * The role the runtime connects as. When set, the migrations grant it exactly what it needs
   * (audit_log: SELECT, INSERT; approval_requests: SELECT, INSERT, UPDATE) and nothing more.
   */
  runtimeRole?: string;
  /**
   * The server `runtimeRole` writes the audit trail for. With both set, the role is registered as
   * that server's writer: on a shared audit database it can insert and read only that server's rows.
   */
  server?: string;
  /** Progress lines (defaults to silent). */
  log?: (message: string) => void;
}

/**
 * Applies the runtime's pending migrations to the database at `database` (a URL, or a pool to
 * borrow one connection from) (idempotent, safe to run from several
 * replicas at once: node-pg-migrate holds an advisory lock). Run it as the role that should own the
 * tables, not as the runtime's role. Returns the names of the migrations it applied.
 */
export async function migrate(database: string | pg.Pool, options: MigrateOptions = {}): Promise<string[]> {
  let client: pg.ClientBase;
  let release: () => Promise<void>;
  if (typeof database === 'string') {
    const own = new pg.Client({ connectionString: database, connectionTimeoutMillis: 10_000 });
    await own.connect();
    client = own;
    release = () => own.end();
  } else {
    const pooled = await database.connect();
    client = pooled;
    release = async () => {
      await pooled.query('RESET mcp.runtime_role').catch(() => {});
      pooled.release();
    };
  }
  try {
    // Read by the migrations' GRANT blocks (a custom GUC, so no role name is spliced into SQL here).
    await client.query(`SELECT set_config('mcp.runtime_role', $1, false)`, [options.runtimeRole ?? '']);
    const log = options.log ?? (() => {});
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      count: Number.POSITIVE_INFINITY,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    if (options.runtimeRole !== undefined && options.server !== undefined) {
      await client.query('SELECT audit_register_writer($1, $2)', [options.runtimeRole, options.server]);
    }
    return applied.map((m) => m.name);
  } finally {
    await release();
  }
}
