import type pg from 'pg';
import { type ChainedRecord, type ChainHead, chainRecords, EMPTY_HEAD } from './chain.ts';
import type { AuditRecord } from './record.ts';

/** Columns in insert order; `jsonb_to_recordset` maps the batch's JSON onto them in one statement. */
const INSERT = `
INSERT INTO audit_log (
  id, chain_id, chain_seq, at, server, event, kind, name, subject, principal_kind, client_id,
  client_name, client_version, protocol_era, protocol_version, correlation_id, trace_id, arguments,
  outcome, error_code, duration_ms, result_bytes, result_sha256, touched, approval_id, detail,
  prev_hash, hash)
SELECT
  id, chain_id, chain_seq, at, server, event, kind, name, subject, principal_kind, client_id,
  client_name, client_version, protocol_era, protocol_version, correlation_id, trace_id, arguments,
  outcome, error_code, duration_ms, result_bytes, result_sha256, touched, approval_id, detail,
  prev_hash, hash
FROM jsonb_to_recordset($1::jsonb) AS r(
  id uuid, chain_id text, chain_seq bigint, at timestamptz, server text, event text, kind text,
  name text, subject text, principal_kind text, client_id text, client_name text,
  client_version text, protocol_era text, protocol_version text, correlation_id text,
  trace_id text, arguments jsonb, outcome text, error_code text, duration_ms double precision,
  result_bytes integer, result_sha256 text, touched text[], approval_id uuid, detail jsonb,
  prev_hash text, hash text)
ORDER BY chain_seq`;

const MARK = 'INSERT INTO audit_chain_marks (chain_id, chain_seq, hash) VALUES ($1, $2, $3)';

function toColumns(row: ChainedRecord): Record<string, unknown> {
  return {
    id: row.id,
    chain_id: row.chainId,
    chain_seq: row.chainSeq,
    at: row.at,
    server: row.server,
    event: row.event,
    kind: row.kind,
    name: row.name,
    subject: row.subject,
    principal_kind: row.principalKind,
    client_id: row.clientId,
    client_name: row.clientName,
    client_version: row.clientVersion,
    protocol_era: row.protocolEra,
    protocol_version: row.protocolVersion,
    correlation_id: row.correlationId,
    trace_id: row.traceId,
    arguments: row.arguments ?? null,
    outcome: row.outcome,
    error_code: row.errorCode,
    duration_ms: row.durationMs,
    result_bytes: row.resultBytes,
    result_sha256: row.resultSha256,
    touched: row.touched,
    approval_id: row.approvalId,
    detail: row.detail,
    prev_hash: row.prevHash,
    hash: row.hash,
  };
}

/** Where the chain ends in the database (the writer re-reads it after any failed write). */
export async function readHead(client: pg.ClientBase, chainId: string): Promise<ChainHead> {
  const { rows } = await client.query<{ chain_seq: string; hash: string }>(
    'SELECT chain_seq, hash FROM audit_log WHERE chain_id = $1 ORDER BY chain_seq DESC LIMIT 1',
    [chainId],
  );
  const row = rows[0];
  return row ? { chainSeq: Number(row.chain_seq), hash: row.hash } : EMPTY_HEAD;
}

/**
 * Appends records to `chainId` in one transaction. With `head` undefined (first write, or after a
 * failure whose outcome is unknown) the head is read from the database and records already stored
 * (same event id) are skipped, so a retried or replayed batch is stored exactly once.
 */
export async function appendRecords(
  pool: pg.Pool,
  chainId: string,
  head: ChainHead | undefined,
  records: readonly AuditRecord[],
  dedupe: boolean,
): Promise<{ head: ChainHead; inserted: number }> {
  const client = await pool.connect();
  // A connection terminated mid-transaction (database restart) is reported both as the query's
  // rejection and as an 'error' event; the event must not become an uncaught exception.
  const ignore = () => {};
  client.on('error', ignore);
  let broken = false;
  try {
    await client.query('BEGIN');
    let current = head;
    let pending = records;
    if (current === undefined) current = await readHead(client, chainId);
    if ((dedupe || head === undefined) && pending.length > 0) {
      const { rows } = await client.query<{ id: string }>(
        'SELECT id FROM audit_log WHERE id = ANY($1::uuid[])',
        [pending.map((r) => r.id)],
      );
      const stored = new Set(rows.map((r) => r.id));
      pending = pending.filter((r) => !stored.has(r.id));
    }
    const chained = chainRecords(chainId, current, pending);
    if (chained.rows.length > 0) {
      await client.query(INSERT, [JSON.stringify(chained.rows.map(toColumns))]);
      // The chain's high-water mark, outside the chain: a tail deleted later is still visible.
      await client.query(MARK, [chainId, chained.head.chainSeq, chained.head.hash]);
    }
    await client.query('COMMIT');
    return { head: chained.head, inserted: chained.rows.length };
  } catch (error) {
    broken = true;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    if (!broken) client.off('error', ignore);
    client.release(broken);
  }
}
