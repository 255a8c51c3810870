import { createPgPool } from '@mcp-platform/server-kit';
import type pg from 'pg';

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
  // A database restart surfaces on the next query; it never crashes the process.
  return createPgPool({
    connectionString: databaseUrl,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2_000,
    query_timeout: options.queryTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'mcp-runtime',
  });
}
