import type { ServerDefinition } from '@mcp-platform/protocol';
import type { EmbeddedPostgres } from '@mcp-platform/server-kit';
import type { z } from 'zod';
import {
  type BootContext,
  type DatabaseNeeds,
  type MigrationPlan,
  migrateServer,
  startDatabase,
} from './boot.ts';
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

/** What the boot did before `build`: which database the server got. */
export interface BootInfo {
  /** DATABASE_URL as the server sees it (the embedded one when started). */
  databaseUrl: string | undefined;
  /** Whether that is embedded PostgreSQL started by this process (demo data, sandbox). */
  embedded: boolean;
}

export interface RunServerOptions<S extends z.ZodType<z.output<BaseSchema>>>
  extends Omit<MigrationPlan<z.output<S>>, 'name'> {
  /** The server's name (its definition's `name`; labels metrics before the definition is built). */
  name: string;
  /** The server's config schema: `baseConfigSchema.extend({...})` (default: the base schema). */
  configSchema?: S;
  /** Decides, from the config, whether embedded PostgreSQL stands in for an unset DATABASE_URL. */
  database?: (config: z.output<S>) => DatabaseNeeds | undefined;
  /**
   * Extra sub-commands (`ingest`): run after the database is up (and, embedded, migrated); the
   * process exits with the returned code. `serve` and `migrate` are built in.
   */
  commands?: Readonly<
    Record<string, (context: BootContext<z.output<S>> & { argv: readonly string[] }) => Promise<number>>
  >;
  /** Builds the definition, backends and checks from the loaded config (backends may record metrics). */
  build: (
    config: LoadedConfig<S>,
    metrics: RuntimeMetrics,
    boot: BootInfo,
  ) => ServerParts | Promise<ServerParts>;
  /** Command-line arguments after the script (default `process.argv.slice(2)`). */
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
}

function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
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
 * 78 without a stack), start embedded PostgreSQL when the server wants it and DATABASE_URL is unset,
 * then one of:
 *   serve (default)  build, listen, drain on SIGTERM; closes the server, its features and pools, and
 *                    the embedded PostgreSQL last;
 *   migrate          the runtime's migrations, the server's migration sets and its seed, then exit;
 *   <command>        one of `commands` (e.g. `ingest`), then exit with its code.
 * On embedded PostgreSQL the migrations run at every start (nobody else can run them).
 */
export async function runServer<S extends z.ZodType<z.output<BaseSchema>> = BaseSchema>(
  options: RunServerOptions<S>,
): Promise<RuntimeServer | undefined> {
  const baseEnv = options.env ?? process.env;
  const argv = options.argv ?? process.argv.slice(2);
  const command = argv[0] ?? 'serve';
  const custom = options.commands?.[command];
  if (command !== 'serve' && command !== 'migrate' && custom === undefined) {
    const known = ['serve (default)', 'migrate', ...Object.keys(options.commands ?? {})].join(', ');
    process.stderr.write(`Unknown command "${command}": use one of ${known}\n`);
    process.exit(64); // EX_USAGE
  }
  const schema = (options.configSchema ?? baseConfigSchema) as S;
  let early: z.output<S>;
  try {
    early = parseEnv(schema, baseEnv);
  } catch (error) {
    fail(error);
  }
  let embedded: EmbeddedPostgres | undefined;
  try {
    embedded = await startDatabase(options.database?.(early), baseEnv);
  } catch (error) {
    fail(error);
  }
  const env = embedded === undefined ? baseEnv : { ...baseEnv, DATABASE_URL: embedded.url };
  const write = (message: string) => process.stdout.write(`${message}\n`);
  if (embedded !== undefined) early = parseEnv(schema, env);
  if (command === 'migrate' || embedded !== undefined) {
    try {
      await migrateServer({
        name: options.name,
        migrations: options.migrations,
        seed: options.seed,
        config: early,
        env,
        log: write,
      });
    } catch (error) {
      await embedded?.close();
      fail(error);
    }
  }
  if (command === 'migrate') {
    await embedded?.close();
    return undefined;
  }
  if (custom !== undefined) {
    let code = 1;
    try {
      code = await custom({ config: early, databaseUrl: env.DATABASE_URL, log: write, argv: argv.slice(1) });
    } finally {
      await embedded?.close();
    }
    process.exit(code);
  }
  let config: LoadedConfig<S>;
  try {
    config = loadConfig(schema, env) as LoadedConfig<S>;
  } catch (error) {
    await embedded?.close();
    fail(error);
  }
  const [{ createMetrics }, { createServer }] = await Promise.all([
    import('./observability/metrics.ts'),
    import('./server.ts'),
  ]);
  const metrics = createMetrics({ server: options.name });
  const parts = await options.build(config, metrics, {
    databaseUrl: env.DATABASE_URL,
    embedded: embedded !== undefined,
  });
  // After the audit flush and the pools: they write to the embedded database until the very end.
  const closeLast =
    embedded === undefined
      ? parts.closeLast
      : async () => {
          try {
            await parts.closeLast?.();
          } finally {
            await embedded.close();
          }
        };
  const server = await createServer({
    definition: parts.definition,
    config,
    metrics,
    ...(parts.features === undefined ? {} : { features: parts.features }),
    ...(parts.backendChecks === undefined ? {} : { backendChecks: parts.backendChecks }),
    ...(closeLast === undefined ? {} : { closeLast }),
  });
  const url = await server.listen();
  server.app.log.info(
    {
      url,
      server: parts.definition.name,
      version: parts.definition.version,
      embeddedDatabase: embedded !== undefined,
    },
    'MCP server listening',
  );
  handleSignals(server);
  process.on('unhandledRejection', (reason) => {
    server.app.log.error({ err: reason }, 'unhandled promise rejection');
  });
  return server;
}
