/**
 * The knowledge server's entry point:
 *   node src/main.ts            serve (default)
 *   node src/main.ts migrate    apply the runtime's and the index's migrations (and GRANTs), then exit
 *   node src/main.ts ingest …   ingest a folder, Confluence or the demo corpus (see `ingest --help`)
 * Without DATABASE_URL the index (and the audit trail) run on embedded PostgreSQL (PGlite with
 * pgvector) and the demo corpus is ingested on first start.
 */
import { resolve } from 'node:path';
import { parseEnv, runServer } from '@mcp-platform/runtime';
import { roleName } from '@mcp-platform/server-kit';
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
import { migrate } from './index/migrate.ts';

const migrateRoles = z.object({
  // Role the server searches as (granted read + feedback insert by `migrate`).
  KNOWLEDGE_SEARCH_ROLE: roleName().optional().describe('a role name like kb_search'),
  // Role ingestion writes as (granted document/chunk writes by `migrate`).
  KNOWLEDGE_INGEST_ROLE: roleName().optional().describe('a role name like kb_ingest'),
});

const logger = (config: KnowledgeConfig) => pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });

await runServer({
  name: SERVER_NAME,
  configSchema: knowledgeConfigSchema,
  database: (config) => {
    // Checked before anything starts: a half-configured provider or source is a configuration error.
    embeddingSettings(config);
    confluenceSettings(config);
    const dir = config.KNOWLEDGE_DATA_DIR === 'memory://' ? 'memory://' : resolve(config.KNOWLEDGE_DATA_DIR);
    return { embedded: { dataDir: dir, vector: true } };
  },
  // The index's schema depends on the configuration (embedding dimensions, role GRANTs).
  seed: async ({ config, databaseUrl }) => {
    const roles = parseEnv(migrateRoles, process.env);
    const log = logger(config);
    const result = await migrate(databaseUrl!, {
      embeddingDimensions: embeddingSettings(config)?.dimensions,
      searchRole: roles.KNOWLEDGE_SEARCH_ROLE,
      ingestRole: roles.KNOWLEDGE_INGEST_ROLE,
      log: (message) => log.info(message),
    });
    log.info({ applied: result.applied, vector: result.vector }, 'index migrations done');
  },
  commands: {
    ingest: ({ config, databaseUrl, argv }) =>
      runIngestCli([...argv], config, config.INGEST_DATABASE_URL ?? databaseUrl!, logger(config)),
  },
  build: async (config, _metrics, boot) => {
    const log = logger(config);
    const databaseUrl = config.DATABASE_URL!;
    const kb = await openIndex({ config, databaseUrl, migrate: false, log });
    const demo = config.DEMO_CORPUS === 'true' || (config.DEMO_CORPUS === 'auto' && boot.embedded);
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
    };
  },
});
