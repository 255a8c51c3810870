import { currentCallSignal } from '@mcp-platform/protocol';
import type pg from 'pg';

/**
 * `pool.query`, but the statement is cancelled on the server (`pg_cancel_backend`) when the signal
 * of the call that issued it fires (deadline, client gone, shutdown), so a timed-out call leaves no
 * query running. Outside a call (no current signal) it is plain `pool.query`.
 */
export async function queryWithCallSignal<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values: unknown[] = [],
  signal: AbortSignal | undefined = currentCallSignal(),
): Promise<pg.QueryResult<R>> {
  if (signal === undefined) return pool.query<R>(text, values);
  signal.throwIfAborted();
  const client = await pool.connect();
  const backendPid = (client as unknown as { processID?: number }).processID;
  const cancel = () => {
    if (backendPid === undefined) return;
    // Another connection sends the cancel; the query then fails with 57014 (query_canceled).
    pool.query('SELECT pg_cancel_backend($1)', [backendPid]).catch(() => {});
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    return await client.query<R>(text, values);
  } finally {
    signal.removeEventListener('abort', cancel);
    client.release();
  }
}
