/**
 * The finance server's entry point: `node src/main.ts` serves, `node src/main.ts migrate` applies the
 * runtime's migrations (audit trail, approvals) and the sandbox's schema + seed, then exits.
 * Without DATABASE_URL the sandbox (and the audit trail) run on embedded PostgreSQL (PGlite).
 */
import { resolve } from 'node:path';
import { ConfigError, parseEnv, runServer } from '@mcp-platform/runtime';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@mcp-platform/server-kit';
import pino from 'pino';
import { createBackend, financeDefinition, SERVER_NAME, todayUtc, toolDeps } from './app.ts';
import { chooseBackend, type FinanceConfig, financeConfigSchema } from './config.ts';

const env = process.env;
const command = process.argv[2] ?? 'serve';

let early: FinanceConfig;
try {
  early = parseEnv(financeConfigSchema, env);
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
  embedded = await startEmbeddedPostgres({ dataDir: resolve(early.SANDBOX_DATA_DIR) });
  databaseUrl = embedded.url;
}
const serverEnv = { ...env, ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }) };

if (command === 'migrate' || embedded) {
  // Embedded PostgreSQL is private to this process: nobody else can migrate it, so we always do.
  await runServer({
    name: SERVER_NAME,
    configSchema: financeConfigSchema,
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
    configSchema: financeConfigSchema,
    env: serverEnv,
    argv: [command],
    build: async (config, metrics) => {
      const log = pino({ level: config.LOG_LEVEL, base: { server: SERVER_NAME } });
      const finance = await createBackend(config, databaseUrl, { log, metrics, today: todayUtc });
      return {
        definition: financeDefinition(toolDeps(finance, config)),
        backendChecks: { [finance.kind]: () => finance.ready() },
        features: [{ name: 'finance-backend', close: () => finance.close() }],
        // After the audit flush and the pools: they write to it until the very end.
        ...(embedded === undefined ? {} : { closeLast: () => embedded.close() }),
      };
    },
  });
}

function never(): never {
  throw new Error('migrate does not build the server');
}
