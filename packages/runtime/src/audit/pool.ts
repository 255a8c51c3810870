import pg from 'pg';

export interface PoolOptions {
  /** Connections in the pool. */
  max?: number;
  /** Give up connecting after this long (a down database must fail fast, not hang a call). */
  connectionTimeoutMs?: number;
  /** Client-side limit for one query. */
  queryTimeoutMs?: number;
}

/** A pg pool with the timeouts the audit trail and approvals rely on to fail fast. */
export function createPool(databaseUrl: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2_000,
    query_timeout: options.queryTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'mcp-runtime',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
}
