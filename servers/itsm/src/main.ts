/**
 * The ITSM server's entry point: `node src/main.ts` serves, `node src/main.ts migrate` applies the
 * runtime's migrations (audit trail, approvals) and the sandbox's schema + seed, then exits. Without
 * DATABASE_URL the sandbox (and the audit trail) run on embedded PostgreSQL (PGlite).
 */
import { resolve } from 'node:path';
import { runServer } from '@mcp-platform/runtime';
import pino from 'pino';
import { createBackend, itsmDefinition, SERVER_NAME, todayUtc } from './app.ts';
import { SANDBOX_MIGRATIONS, seedSandbox } from './backends/sandbox-schema.ts';
import { chooseBackend, itsmConfigSchema } from './config.ts';

await runServer({
  name: SERVER_NAME,
  configSchema: itsmConfigSchema,
  database: (config) =>
    chooseBackend(config).kind === 'sandbox'
      ? { embedded: { dataDir: resolve(config.ITSM_SANDBOX_DATA_DIR) } }
      : undefined,
  migrations: (config) => (chooseBackend(config).kind === 'sandbox' ? [SANDBOX_MIGRATIONS] : []),
  seed: async ({ config, databaseUrl, log }) => {
    if (chooseBackend(config).kind !== 'sandbox' || databaseUrl === undefined) return;
    const anchorDate = config.SANDBOX_ANCHOR_DATE ?? todayUtc();
    const counts = await seedSandbox(databaseUrl, { anchorDate, seed: config.SANDBOX_SEED });
    log(
      counts === undefined
        ? 'sandbox instance: already seeded'
        : `sandbox instance seeded around ${anchorDate}: ${counts.incident} incidents, ${counts.cmdb_ci} configuration items, ${counts.change_request} changes`,
    );
  },
  build: async (config, metrics) => {
    const log = pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });
    const itsm = createBackend(config, config.DATABASE_URL, { log, metrics });
    return {
      definition: itsmDefinition({ itsm, now: () => new Date() }),
      backendChecks: { [itsm.kind]: () => itsm.ready() },
      features: [{ name: 'itsm-backend', close: () => itsm.close() }],
    };
  },
});
