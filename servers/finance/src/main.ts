/**
 * The finance server's entry point: `node src/main.ts` serves, `node src/main.ts migrate` applies the
 * runtime's migrations (audit trail, approvals) and — for the sandbox — its schema and seed, then
 * exits. Without DATABASE_URL the sandbox (and the audit trail) run on embedded PostgreSQL (PGlite).
 */
import { resolve } from 'node:path';
import { runServer } from '@mcp-platform/runtime';
import { createPgPool } from '@mcp-platform/server-kit';
import pino from 'pino';
import { createBackend, financeDefinition, SERVER_NAME, todayUtc, toolDeps } from './app.ts';
import { SANDBOX_MIGRATIONS, seedSandbox } from './backends/sandbox-schema.ts';
import { chooseBackend, financeConfigSchema } from './config.ts';

await runServer({
  name: SERVER_NAME,
  configSchema: financeConfigSchema,
  database: (config) =>
    chooseBackend(config).kind === 'sandbox'
      ? { embedded: { dataDir: resolve(config.FINANCE_DATA_DIR) } }
      : undefined,
  migrations: (config) => (chooseBackend(config).kind === 'sandbox' ? [SANDBOX_MIGRATIONS] : []),
  seed: async ({ config, databaseUrl }) => {
    if (chooseBackend(config).kind !== 'sandbox' || databaseUrl === undefined) return;
    const pool = createPgPool({ connectionString: databaseUrl, max: 1 });
    try {
      await seedSandbox(pool, {
        anchorDate: config.SANDBOX_ANCHOR_DATE ?? todayUtc(),
        seed: config.SANDBOX_SEED,
      });
    } finally {
      await pool.end();
    }
  },
  build: async (config, metrics) => {
    const log = pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });
    const finance = await createBackend(config, config.DATABASE_URL, { log, metrics });
    return {
      definition: financeDefinition(toolDeps(finance, config)),
      backendChecks: { [finance.kind]: () => finance.ready() },
      features: [{ name: 'finance-backend', close: () => finance.close() }],
    };
  },
});
