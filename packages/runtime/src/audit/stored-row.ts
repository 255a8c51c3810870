import type { ChainedRecord } from './chain.ts';
import type { AuditEvent, AuditOutcome } from './record.ts';

/** An `audit_log` row as node-postgres returns it. */
export interface AuditRow {
  seq: string;
  id: string;
  chain_id: string;
  chain_seq: string;
  at: Date;
  server: string;
  event: string;
  kind: string;
  name: string;
  subject: string;
  principal_kind: string;
  client_id: string | null;
  client_name: string | null;
  client_version: string | null;
  protocol_era: string | null;
  protocol_version: string | null;
  correlation_id: string | null;
  trace_id: string | null;
  arguments: unknown;
  outcome: string;
  error_code: string | null;
  duration_ms: number | null;
  result_bytes: number | null;
  result_sha256: string | null;
  touched: string[];
  approval_id: string | null;
  detail: Record<string, unknown> | null;
  /** Correlation columns (migration 1764000000002). */
  parent_span_id: string | null;
  trace_state: string | null;
  trace_source: string | null;
  idp_session: string | null;
  token_id: string | null;
  mcp_session: string | null;
  prev_hash: string;
  hash: string;
}

/** The record a stored row claims to be (what its hash must match). */
export function recordOfRow(row: AuditRow): ChainedRecord {
  return {
    id: row.id,
    chainId: row.chain_id,
    chainSeq: Number(row.chain_seq),
    at: row.at.toISOString(),
    server: row.server,
    event: row.event as AuditEvent,
    kind: row.kind as ChainedRecord['kind'],
    name: row.name,
    subject: row.subject,
    principalKind: row.principal_kind,
    clientId: row.client_id,
    clientName: row.client_name,
    clientVersion: row.client_version,
    protocolEra: row.protocol_era,
    protocolVersion: row.protocol_version,
    correlationId: row.correlation_id,
    traceId: row.trace_id,
    arguments: row.arguments,
    outcome: row.outcome as AuditOutcome,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    resultBytes: row.result_bytes,
    resultSha256: row.result_sha256,
    touched: row.touched,
    approvalId: row.approval_id,
    detail: row.detail,
    parentSpanId: row.parent_span_id ?? null,
    traceState: row.trace_state ?? null,
    traceSource: row.trace_source ?? null,
    idpSession: row.idp_session ?? null,
    tokenId: row.token_id ?? null,
    mcpSession: row.mcp_session ?? null,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
