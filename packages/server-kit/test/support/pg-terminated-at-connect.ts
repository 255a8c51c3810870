/**
 * Child process for pg.test.ts: `pool.connect()` against a PostgreSQL that completes the startup and,
 * in the same TCP segment, terminates the connection (FATAL 57P01, what `pg_ctl stop -m fast` sends).
 * Exits 0 when the process survives the lost connection, and crashes (exit 1, "Unhandled 'error'
 * event") when a pg client has no 'error' listener at that moment. argv: <port> <plain|guarded>.
 */
import pg from 'pg';
import { createPgPool } from '../../src/pg.ts';

const [port, mode] = process.argv.slice(2);
const config = { host: '127.0.0.1', port: Number(port), user: 'u', database: 'd', max: 1 };
const pool = mode === 'guarded' ? createPgPool(config) : new pg.Pool(config);
pool.on('error', () => {});
const client = await pool.connect();
// The connection is gone by the time the caller runs; the next query says so.
const failure = await client.query('SELECT 1').then(
  () => 'answered',
  (error: Error) => error.message,
);
client.release(true);
await pool.end();
process.stdout.write(`${JSON.stringify({ failure })}\n`);
