import {
  type EmbeddedPostgres,
  type MigrationSet,
  postgresUrl,
  roleName,
  runMigrations,
} from '@mcp-platform/server-kit';
import { z } from 'zod';
import { parseEnv } from './config.ts';
import { ConfigError } from './errors.ts';

/** What a server needs from PostgreSQL, decided from its configuration. */
export interface DatabaseNeeds {
  /**
   * Start embedded PostgreSQL (PGlite) when DATABASE_URL is unset: the server, its audit trail and
   * approvals then use it, and its migrations run at every start (nobody else can run them).
   */
  embedded?: { dataDir: string; vector?: boolean } | undefined;
}

/** Handed to `seed` and to custom commands. */
export interface BootContext<C> {
  /** The server's configuration (schema-parsed; DATABASE_URL is the embedded one when started). */
  config: C;
  /** For `seed`: the migration connection (MIGRATE_DATABASE_URL, else DATABASE_URL); for a command: DATABASE_URL. */
  databaseUrl: string | undefined;
  /** Progress lines (stdout). */
  log: (message: string) => void;
}

/** How a server's data is prepared: the runtime's migrations, then the server's sets, then its seed. */
export interface MigrationPlan<C> {
  /** The server's name (registers its audit writer on a shared audit database). */
  name: string;
  /** The server's own migration sets, run by the kit's runner after the runtime's. */
  migrations?: readonly MigrationSet[] | ((config: C) => readonly MigrationSet[]) | undefined;
  /** After the migrations: sandbox seed data, GRANTs that depend on configuration... Idempotent. */
  seed?: ((context: BootContext<C>) => Promise<void>) | undefined;
}

const migrateSchema = z.object({
  // Connection used for migrations (an owner role); default DATABASE_URL.
  MIGRATE_DATABASE_URL: postgresUrl().optional().describe('postgres://owner:password@host:5432/database'),
  DATABASE_URL: postgresUrl().optional().describe('postgres://user:password@host:5432/database'),
  // Role the server runs as; the migrations grant it exactly what it needs (audit_log: SELECT, INSERT).
  DATABASE_RUNTIME_ROLE: roleName().optional().describe('a role name like mcp_crm'),
  // Shared audit database the server writes to as its own role (the role is the URL's user).
  AUDIT_DATABASE_URL: postgresUrl()
    .optional()
    .describe('postgres://mcp_audit_crm:password@host:5432/mcp_audit'),
  // Owner connection for the shared audit database's migrations; default AUDIT_DATABASE_URL.
  AUDIT_MIGRATE_DATABASE_URL: postgresUrl()
    .optional()
    .describe('postgres://owner:password@host:5432/mcp_audit'),
});

/** The connection migrations run on: MIGRATE_DATABASE_URL, else DATABASE_URL. */
export function migrateDatabaseUrl(env: Record<string, string | undefined>): string | undefined {
  const settings = parseEnv(migrateSchema, env);
  return settings.MIGRATE_DATABASE_URL ?? settings.DATABASE_URL;
}

export interface MigrateServerOptions<C> extends MigrationPlan<C> {
  /** MIGRATE_DATABASE_URL / DATABASE_URL, DATABASE_RUNTIME_ROLE, AUDIT_(MIGRATE_)DATABASE_URL. */
  env: Record<string, string | undefined>;
  /** The server's configuration, for `migrations` given as a function and for `seed`. */
  config: C;
  /** Progress lines (default silent). */
  log?: (message: string) => void;
}

/**
 * `<server> migrate`: the runtime's migrations (audit trail, approvals; the shared audit database
 * too when AUDIT_DATABASE_URL is set), then the server's own sets, then its seed. Idempotent and
 * safe from several replicas at once. Tests call it directly to prepare a database.
 */
export async function migrateServer<C>(options: MigrateServerOptions<C>): Promise<void> {
  const { env, config, ...plan } = options;
  const write = options.log ?? (() => {});
  const settings = parseEnv(migrateSchema, env);
  const databaseUrl = settings.MIGRATE_DATABASE_URL ?? settings.DATABASE_URL;
  if (databaseUrl === undefined) {
    throw new ConfigError([
      'DATABASE_URL: is required to migrate (or MIGRATE_DATABASE_URL for an owner role)',
    ]);
  }
  // Loaded on demand: a migration job or a bad configuration should not pay for the whole server.
  const { migrate } = await import('./audit/migrate.ts');
  const applied = await migrate(databaseUrl, {
    log: write,
    ...(settings.DATABASE_RUNTIME_ROLE === undefined ? {} : { runtimeRole: settings.DATABASE_RUNTIME_ROLE }),
  });
  write(
    applied.length === 0
      ? 'runtime migrations: up to date'
      : `runtime migrations applied: ${applied.join(', ')}`,
  );
  if (settings.AUDIT_DATABASE_URL !== undefined) {
    // The shared trail: the runtime's tables there too, and this server's role registered as the one
    // writer of its rows (insert and read its own rows only; see migration 1764000000002).
    const writer = decodeURIComponent(new URL(settings.AUDIT_DATABASE_URL).username);
    if (writer === '') {
      throw new ConfigError([
        "AUDIT_DATABASE_URL: needs the user name of this server's own audit role (postgres://mcp_audit_crm:...@host/db)",
      ]);
    }
    const sharedApplied = await migrate(settings.AUDIT_MIGRATE_DATABASE_URL ?? settings.AUDIT_DATABASE_URL, {
      log: write,
      runtimeRole: writer,
      server: plan.name,
    });
    write(
      `shared audit database: ${sharedApplied.length === 0 ? 'up to date' : `applied ${sharedApplied.join(', ')}`}; ` +
        `role ${writer} writes the rows of ${plan.name}`,
    );
  }
  const sets = typeof plan.migrations === 'function' ? plan.migrations(config) : (plan.migrations ?? []);
  for (const set of sets) {
    const done = await runMigrations(databaseUrl, set, { log: write });
    write(
      done.length === 0
        ? `${set.name} migrations: up to date`
        : `${set.name} migrations applied: ${done.join(', ')}`,
    );
  }
  if (plan.seed !== undefined) await plan.seed({ config, databaseUrl, log: write });
}

/** Starts embedded PostgreSQL when the server wants it and DATABASE_URL is unset. */
export async function startDatabase(
  needs: DatabaseNeeds | undefined,
  env: Record<string, string | undefined>,
): Promise<EmbeddedPostgres | undefined> {
  if (needs?.embedded === undefined || (env.DATABASE_URL ?? '') !== '') return undefined;
  const { startEmbeddedPostgres } = await import('@mcp-platform/server-kit');
  return startEmbeddedPostgres(needs.embedded);
}
