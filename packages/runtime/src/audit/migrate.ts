import { fileURLToPath } from 'node:url';
import { createPgClient, runMigrations } from '@mcp-platform/server-kit';
import pg from 'pg';

/** The runtime's own migrations (audit trail, approvals), plain SQL run by the kit's one migration runner. */
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
  const applied = await runMigrations(
    database,
    {
      name: 'runtime',
      dir: MIGRATIONS_DIR,
      table: MIGRATIONS_TABLE,
      // Read by the migrations' GRANT blocks (a custom GUC, so no role name is spliced into SQL here).
      settings: { 'mcp.runtime_role': options.runtimeRole ?? '' },
    },
    options.log === undefined ? {} : { log: options.log },
  );
  if (options.runtimeRole !== undefined && options.server !== undefined) {
    const client =
      typeof database === 'string'
        ? createPgClient({ connectionString: database, connectionTimeoutMillis: 10_000 })
        : database;
    if (client instanceof pg.Client) await client.connect();
    try {
      await client.query('SELECT audit_register_writer($1, $2)', [options.runtimeRole, options.server]);
    } finally {
      if (client instanceof pg.Client) await client.end();
    }
  }
  return applied;
}
