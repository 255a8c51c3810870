import pg from 'pg';

/**
 * A pg pool whose lost connections never crash the process. When PostgreSQL stops or restarts, pg
 * reports each ended connection twice: as the failure of the query running on it (its caller sees
 * that) and as an `'error'` event on the client. pg-pool listens for that event only while a client
 * sits idle in the pool. A checked-out client has no listener, and neither has a new client that a
 * promise-based `pool.connect()` hands over while its first socket read is still being parsed: when
 * that read also carries the server's "terminating connection" message, the event fires before the
 * caller's code runs, with nobody listening, and an unhandled `'error'` event ends the process. So
 * every client gets a listener of its own for its whole life here; the pool still drops broken
 * clients and the next query reconnects. `onError` hears about idle connections lost.
 */
export function createPgPool(config: pg.PoolConfig, onError: (error: Error) => void = () => {}): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onError);
  pool.on('connect', (client) => {
    // The query that was running (if any) rejects with the same error; nothing else to do here.
    client.on('error', () => {});
  });
  return pool;
}

/**
 * A single pg client (a migration, a schema check) that reports a lost connection only through the
 * failing query, never as an uncaught `'error'` event.
 */
export function createPgClient(config: pg.ClientConfig): pg.Client {
  const client = new pg.Client(config);
  client.on('error', () => {});
  return client;
}
