import type { ServerDefinition } from '@mcp-platform/protocol';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, parseEnv, type ResolvedBase } from './config.ts';
import { ConfigError } from './errors.ts';
import type { ReadinessCheck } from './feature.ts';
import type { RuntimeMetrics } from './observability/metrics.ts';
import type { CreateServerOptions, RuntimeServer } from './server.ts';

type BaseSchema = typeof baseConfigSchema;
export type LoadedConfig<S extends z.ZodType<z.output<BaseSchema>>> = Omit<z.output<S>, keyof ResolvedBase> &
  ResolvedBase;

/** What a domain server contributes once its configuration is loaded. */
export interface ServerParts {
  definition: ServerDefinition;
  features?: CreateServerOptions['features'];
  backendChecks?: Readonly<Record<string, () => Promise<ReadinessCheck>>>;
  /** Stopped after everything else, pools included: the embedded database those pools talk to. */
  closeLast?: () => Promise<void>;
}

export interface RunServerOptions<S extends z.ZodType<z.output<BaseSchema>>> {
  /** The server's name (its definition's `name`; labels metrics before the definition is built). */
  name: string;
  /** The server's config schema: `baseConfigSchema.extend({...})` (default: the base schema). */
  configSchema?: S;
  /** Builds the definition, backends and checks from the loaded config (backends may record metrics). */
  build: (config: LoadedConfig<S>, metrics: RuntimeMetrics) => ServerParts | Promise<ServerParts>;
  /** Command-line arguments after the script (default `process.argv.slice(2)`). */
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
}

const migrateSchema = z.object({
  // Connection used for migrations (an owner role); default DATABASE_URL.
  MIGRATE_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('postgres://owner:password@host:5432/database'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('postgres://user:password@host:5432/database'),
  // Role the server runs as; the migrations grant it exactly what it needs (audit_log: SELECT, INSERT).
  DATABASE_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'expected a PostgreSQL role name')
    .optional()
    .describe('a role name like mcp_crm'),
  // Shared audit database the server writes to as its own role (the role is the URL's user).
  AUDIT_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('postgres://mcp_audit_crm:password@host:5432/mcp_audit'),
  // Owner connection for the shared audit database's migrations; default AUDIT_DATABASE_URL.
  AUDIT_MIGRATE_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('postgres://owner:password@host:5432/mcp_audit'),
});

function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

/** `<server> migrate`: applies the runtime's migrations (audit trail, approvals) and every feature's own, then exits. */
async function runMigrations(
  parts: ServerParts | undefined,
  env: Record<string, string | undefined>,
  server: string,
): Promise<void> {
  const settings = parseEnv(migrateSchema, env);
  const databaseUrl = settings.MIGRATE_DATABASE_URL ?? settings.DATABASE_URL;
  if (databaseUrl === undefined) {
    throw new ConfigError([
      'DATABASE_URL: is required to migrate (or MIGRATE_DATABASE_URL for an owner role)',
    ]);
  }
  const write = (message: string) => process.stdout.write(`${message}\n`);
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
      server,
    });
    write(
      `shared audit database: ${sharedApplied.length === 0 ? 'up to date' : `applied ${sharedApplied.join(', ')}`}; ` +
        `role ${writer} writes the rows of ${server}`,
    );
  }
  const features = Array.isArray(parts?.features) ? parts.features : [];
  for (const feature of features) {
    if (!feature.migrate) continue;
    await feature.migrate();
    write(`migrations of ${feature.name}: done`);
  }
}

/**
 * Installs SIGTERM/SIGINT handling: the first signal drains and closes the server, then exits 0
 * (1 when closing failed). The same signal again (a second Ctrl-C, a repeated SIGTERM) exits at once
 * with 1. The other signal during the shutdown belongs to the same stop and is only noted: a
 * terminal's Ctrl-C reaches every process of the group (SIGINT) and a supervisor such as `pnpm start`
 * may pass the stop on as SIGTERM.
 */
export function handleSignals(
  server: RuntimeServer,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let first: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === signal) {
      server.app.log.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    if (first !== undefined) {
      server.app.log.info({ signal, first }, 'signal received while shutting down: same shutdown');
      return;
    }
    first = signal;
    server.app.log.info({ signal }, 'signal received: shutting down gracefully');
    server.shutdown().then(
      () => exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'graceful shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/**
 * The whole of a server's `main.ts`: load the config (a bad variable prints what to fix and exits
 * 78 without a stack), build, listen, and drain on SIGTERM. `migrate` as the first argument applies
 * the migrations and exits instead.
 */
export async function runServer<S extends z.ZodType<z.output<BaseSchema>> = BaseSchema>(
  options: RunServerOptions<S>,
): Promise<RuntimeServer | undefined> {
  const env = options.env ?? process.env;
  const argv = options.argv ?? process.argv.slice(2);
  const command = argv[0] ?? 'serve';
  if (command === 'migrate') {
    try {
      await runMigrations(undefined, env, options.name);
    } catch (error) {
      fail(error);
    }
    return undefined;
  }
  if (command !== 'serve') {
    process.stderr.write(`Unknown command "${command}": use "serve" (default) or "migrate"\n`);
    process.exit(64); // EX_USAGE
  }
  let config: LoadedConfig<S>;
  try {
    config = loadConfig((options.configSchema ?? baseConfigSchema) as S, env) as LoadedConfig<S>;
  } catch (error) {
    fail(error);
  }
  const [{ createMetrics }, { createServer }] = await Promise.all([
    import('./observability/metrics.ts'),
    import('./server.ts'),
  ]);
  const metrics = createMetrics({ server: options.name });
  const parts = await options.build(config, metrics);
  const server = await createServer({
    definition: parts.definition,
    config,
    metrics,
    ...(parts.features === undefined ? {} : { features: parts.features }),
    ...(parts.backendChecks === undefined ? {} : { backendChecks: parts.backendChecks }),
    ...(parts.closeLast === undefined ? {} : { closeLast: parts.closeLast }),
  });
  const url = await server.listen();
  server.app.log.info(
    { url, server: parts.definition.name, version: parts.definition.version },
    'MCP server listening',
  );
  handleSignals(server);
  process.on('unhandledRejection', (reason) => {
    server.app.log.error({ err: reason }, 'unhandled promise rejection');
  });
  return server;
}
