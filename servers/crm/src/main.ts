/**
 * The CRM server's entry point: `node src/main.ts` serves, `node src/main.ts migrate` applies the
 * runtime's migrations (audit trail, approvals) and the sandbox's schema + seed, then exits.
 * Without DATABASE_URL the sandbox (and the audit trail) run on embedded PostgreSQL (PGlite).
 */
import { resolve } from 'node:path';
import { runServer } from '@mcp-platform/runtime';
import { createPgPool } from '@mcp-platform/server-kit';
import pino from 'pino';
import { createBackend, crmDefinition, SERVER_NAME, todayUtc } from './app.ts';
import { SANDBOX_MIGRATIONS, seedSandbox } from './backends/sandbox-schema.ts';
import { chooseBackend, crmConfigSchema } from './config.ts';

await runServer({
  name: SERVER_NAME,
  configSchema: crmConfigSchema,
  database: (config) =>
    chooseBackend(config).kind === 'sandbox'
      ? { embedded: { dataDir: resolve(config.SANDBOX_DATA_DIR) } }
      : undefined,
  migrations: (config) => (chooseBackend(config).kind === 'sandbox' ? [SANDBOX_MIGRATIONS] : []),
  seed: async ({ config, databaseUrl, log }) => {
    if (chooseBackend(config).kind !== 'sandbox') return;
    const pool = createPgPool({ connectionString: databaseUrl, max: 1 });
    try {
      const anchorDate = config.SANDBOX_ANCHOR_DATE ?? todayUtc();
      const seeded = await seedSandbox(pool, { anchorDate, seed: config.SANDBOX_SEED });
      log(seeded === undefined ? 'sandbox org: already seeded' : `sandbox org seeded around ${anchorDate}`);
    } finally {
      await pool.end();
    }
  },
  build: async (config, metrics) => {
    const log = pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });
    const crm = await createBackend(config, config.DATABASE_URL, { log, metrics, today: todayUtc });
    return {
      definition: crmDefinition({ crm, today: todayUtc }),
      backendChecks: { [crm.kind]: () => crm.ready() },
      features: [{ name: 'crm-backend', close: () => crm.close() }],
    };
  },
});
