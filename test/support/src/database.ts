import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as the base URL). */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop: () => Promise<void>;
}

/**
 * A database of its own on the PostgreSQL at `baseUrl` (the role needs CREATEDB), so suites never see
 * each other's rows. The name is `<prefix>_<random>`; `prefix` must be a plain SQL identifier.
 */
export async function createTestDatabase(baseUrl: string, prefix: string): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new Error(`createTestDatabase: prefix "${prefix}" must be lower-case letters, digits and _`);
  }
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      // A pool's end() resolves before its connections are gone. Dropping WITH (FORCE) at once would
      // terminate those still closing, and their clients report that (57P01) as an 'error' event:
      // uncaught in a test whose pool has no listener. So wait (bounded) until the last connection
      // has left, then drop; FORCE only ends connections a test leaked.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (rows[0]!.n === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { url: url.toString(), drop };
}
