/**
 * The knowledge server's entry point:
 *   node src/main.ts            serve (default)
 *   node src/main.ts migrate    apply the runtime's and the index's migrations (and GRANTs), then exit
 *   node src/main.ts ingest …   ingest a folder, Confluence or the demo corpus (see `ingest --help`)
 * Without DATABASE_URL the index (and the audit trail) run on embedded PostgreSQL (PGlite with
 * pgvector) and the demo corpus is ingested on first start.
 */
import { resolve } from 'node:path';
import { ConfigError, parseEnv, runServer } from '@mcp-platform/runtime';
import pino from 'pino';
import { z } from 'zod';
import { ingestDemoCorpus, knowledgeDefinition, knowledgeFeature, openIndex, SERVER_NAME } from './app.ts';
import { runIngestCli } from './cli/ingest.ts';
import {
  confluenceSettings,
  embeddingSettings,
  type KnowledgeConfig,
  knowledgeConfigSchema,
} from './config.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';
import { migrate } from './index/migrate.ts';

const migrateRoles = z.object({
  // Owner connection for migrations; default DATABASE_URL.
  MIGRATE_DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('postgres://owner:password@host:5432/database'),
  // Role the server searches as (granted read + feedback insert by `migrate`).
  KNOWLEDGE_SEARCH_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_$]{0,62}$/)
    .optional()
    .describe('a role name like kb_search'),
  // Role ingestion writes as (granted document/chunk writes by `migrate`).
  KNOWLEDGE_INGEST_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_$]{0,62}$/)
    .optional()
    .describe('a role name like kb_ingest'),
});

const env = process.env;
const command = process.argv[2] ?? 'serve';

function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}

let early: KnowledgeConfig;
let roles: z.output<typeof migrateRoles>;
try {
  early = parseEnv(knowledgeConfigSchema, env);
  roles = parseEnv(migrateRoles, env);
  embeddingSettings(early);
  confluenceSettings(early);
} catch (error) {
  exitOnConfigError(error);
}
const log = pino({ level: early.LOG_LEVEL, base: { server: SERVER_NAME } });

let embedded: EmbeddedPostgres | undefined;
let databaseUrl = early.DATABASE_URL;
if (databaseUrl === undefined) {
  const dir = early.KNOWLEDGE_DATA_DIR === 'memory://' ? 'memory://' : resolve(early.KNOWLEDGE_DATA_DIR);
  embedded = await startEmbeddedPostgres(dir);
  databaseUrl = embedded.url;
}
const serverEnv = { ...env, DATABASE_URL: databaseUrl };
const ownerUrl = roles.MIGRATE_DATABASE_URL ?? databaseUrl;

if (command === 'migrate' || embedded !== undefined) {
  // Embedded PostgreSQL is private to this process: nobody else can migrate it, so we always do.
  await runServer({
    name: SERVER_NAME,
    configSchema: knowledgeConfigSchema,
    env: serverEnv,
    argv: ['migrate'],
    build: never,
  });
  const result = await migrate(ownerUrl, {
    embeddingDimensions: embeddingSettings(early)?.dimensions,
    searchRole: roles.KNOWLEDGE_SEARCH_ROLE,
    ingestRole: roles.KNOWLEDGE_INGEST_ROLE,
    log: (message) => log.info(message),
  });
  log.info({ applied: result.applied, vector: result.vector }, 'index migrations done');
}

if (command === 'migrate') {
  await embedded?.close();
} else if (command === 'ingest') {
  const code = await runIngestCli(
    process.argv.slice(3),
    early,
    early.INGEST_DATABASE_URL ?? databaseUrl,
    log,
  );
  await embedded?.close();
  process.exit(code);
} else {
  await runServer({
    name: SERVER_NAME,
    configSchema: knowledgeConfigSchema,
    env: serverEnv,
    argv: [command],
    build: async (config) => {
      const kb = await openIndex({ config, databaseUrl, migrate: false, log });
      const demo = config.DEMO_CORPUS === 'true' || (config.DEMO_CORPUS === 'auto' && embedded !== undefined);
      if (demo && (await kb.isEmpty())) {
        const started = performance.now();
        const summary = await ingestDemoCorpus(kb);
        log.info(
          { ...summary, failures: summary.failures.length, ms: Math.round(performance.now() - started) },
          'demo corpus ingested',
        );
      }
      return {
        definition: knowledgeDefinition(kb),
        backendChecks: {},
        features: [knowledgeFeature({ kb, config, log, confluence: confluenceSettings(config) })],
        // After the audit flush and the pools: they write to it until the very end.
        ...(embedded === undefined ? {} : { closeLast: () => embedded.close() }),
      };
    },
  });
}

function never(): never {
  throw new Error('migrate does not build the server');
}
