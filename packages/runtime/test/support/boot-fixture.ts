/**
 * A server on the one boot, for boot tests: embedded PostgreSQL when DATABASE_URL is unset, its own
 * migration set, a seed, a custom `count` command, and a feature whose close() still needs the
 * database (so closing embedded PostgreSQL before the features would fail the shutdown).
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runServer } from '../../src/run.ts';

const dir = fileURLToPath(new URL('./boot-migrations', import.meta.url));

async function query<T extends pg.QueryResultRow>(url: string | undefined, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

await runServer({
  name: 'boot-test',
  database: () => ({ embedded: { dataDir: 'memory://' } }),
  migrations: [{ name: 'boot-test', dir, table: 'boot_test_migrations' }],
  seed: async ({ databaseUrl, log }) => {
    const [row] = await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM boot_notes');
    if (row?.n === 0) await query(databaseUrl, "INSERT INTO boot_notes (note) VALUES ('seeded')");
    log('boot-test seed: done');
  },
  commands: {
    count: async ({ databaseUrl, log }) => {
      const [row] = await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM boot_notes');
      log(`notes: ${row?.n}`);
      return 0;
    },
  },
  build: async (config, _metrics, boot) => ({
    definition: { name: 'boot-test', version: '1.0.0' },
    features: [
      {
        name: 'needs-database-to-close',
        async close() {
          const [row] = await query<{ n: number }>(
            config.DATABASE_URL,
            'SELECT count(*)::int AS n FROM boot_notes',
          );
          process.stdout.write(
            `feature closed with the database still up (${row?.n} notes, embedded=${boot.embedded})\n`,
          );
        },
      },
    ],
    closeLast: async () => {
      process.stdout.write('closeLast of the server ran\n');
    },
  }),
});
