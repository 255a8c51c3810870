/**
 * The CRM server's entry point: `node src/main.ts` serves, `node src/main.ts migrate` applies the
 * runtime's migrations (audit trail, approvals) and the sandbox's schema + seed, then exits.
 * Without DATABASE_URL the sandbox (and the audit trail) run on embedded PostgreSQL (PGlite).
 */
import { resolve } from 'node:path';
import { ConfigError, parseEnv, runServer } from '@mcp-platform/runtime';
import pino from 'pino';
import { createBackend, crmDefinition, SERVER_NAME, todayUtc } from './app.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './backends/embedded-postgres.ts';
import { type CrmConfig, chooseBackend, crmConfigSchema } from './config.ts';

const env = process.env;
const command = process.argv[2] ?? 'serve';

let early: CrmConfig;
try {
  early = parseEnv(crmConfigSchema, env);
  chooseBackend(early);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}

let embedded: EmbeddedPostgres | undefined;
let databaseUrl = early.DATABASE_URL;
if (databaseUrl === undefined && chooseBackend(early).kind === 'sandbox') {
  embedded = await startEmbeddedPostgres(resolve(early.SANDBOX_DATA_DIR));
  databaseUrl = embedded.url;
}
const serverEnv = { ...env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) };

if (command === 'migrate' || embedded) {
  // Embedded PostgreSQL is private to this process: nobody else can migrate it, so we always do.
  await runServer({
    name: SERVER_NAME,
    configSchema: crmConfigSchema,
    env: serverEnv,
    argv: ['migrate'],
    build: () => never(),
  });
  if (chooseBackend(early).kind === 'sandbox') {
    const log = pino({ level: early.LOG_LEVEL, base: { server: SERVER_NAME } });
    const backend = await createBackend(early, databaseUrl, { log, today: todayUtc });
    await backend.close();
  }
}

if (command === 'migrate') {
  await embedded?.close();
} else {
  await runServer({
    name: SERVER_NAME,
    configSchema: crmConfigSchema,
    env: serverEnv,
    argv: [command],
    build: async (config, metrics) => {
      const log = pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });
      const crm = await createBackend(config, databaseUrl, { log, metrics, today: todayUtc });
      return {
        definition: crmDefinition({ crm, today: todayUtc }),
        backendChecks: { [crm.kind]: () => crm.ready() },
        features: [{ name: 'crm-backend', close: () => crm.close() }],
        // After the audit flush and the pools: they write to it until the very end.
        ...(embedded === undefined ? {} : { closeLast: () => embedded.close() }),
      };
    },
  });
}

function never(): never {
  throw new Error('migrate does not build the server');
}
