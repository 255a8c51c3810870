import type { Caller, ClientInfo } from '@mcp-platform/protocol';
import { jsonSafe, safeText } from './canonical-json.ts';
import { type AuditCorrelation, CORRELATION_KEYS, principalCorrelation } from './correlation.ts';

/** What an audit row is about. */
export type AuditEvent =
  /** A completed tools/call, resources/read or prompts/get (any outcome). */
  | 'call'
  /** Stored synchronously before a write tool's handler runs. */
  | 'intent'
  | 'approval.requested'
  | 'approval.approved'
  | 'approval.rejected'
  | 'approval.executed'
  | 'approval.expired'
  | 'approval.refused';

export type AuditOutcome =
  | 'ok'
  | 'error'
  | 'denied'
  | 'rate_limited'
  | 'timeout'
  | 'approval_required'
  | 'approval_refused'
  | 'input_required'
  | 'pending';

/** One audit row before it is placed on a hash chain (what the queue and the spool hold). */
export interface AuditRecord extends AuditCorrelation {
  /** Event id (UUID); replays are de-duplicated on it. */
  id: string;
  /** ISO-8601 time with milliseconds. */
  at: string;
  server: string;
  event: AuditEvent;
  kind: 'tool' | 'resource' | 'prompt';
  /** Tool or prompt name, or the resource URI. */
  name: string;
  subject: string;
  principalKind: string;
  clientId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  protocolEra: string | null;
  protocolVersion: string | null;
  correlationId: string | null;
  traceId: string | null;
  /** Arguments with the policy's sensitive paths redacted. */
  arguments: unknown;
  outcome: AuditOutcome;
  errorCode: string | null;
  durationMs: number | null;
  resultBytes: number | null;
  resultSha256: string | null;
  /** Backend records the call touched (`system:Type/id`). */
  touched: string[];
  approvalId: string | null;
  /** Small event-specific extras (approval reason, the intent a completion belongs to...). */
  detail: Record<string, unknown> | null;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C `traceparent`, or null when absent or malformed. */
export function traceIdOf(traceparent: string | undefined): string | null {
  if (traceparent === undefined) return null;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (!match || /^0+$/.test(match[1]!)) return null;
  return match[1]!;
}

/** The principal and client columns of a row. */
export function whoColumns(
  caller: Caller,
  client: ClientInfo | undefined,
): Pick<
  AuditRecord,
  | 'subject'
  | 'principalKind'
  | 'clientId'
  | 'clientName'
  | 'clientVersion'
  | 'protocolEra'
  | 'protocolVersion'
  | 'idpSession'
  | 'tokenId'
> {
  return {
    subject: caller.subject,
    principalKind: caller.kind,
    clientId: caller.clientId ?? null,
    clientName: client?.name ?? null,
    clientVersion: client?.version ?? null,
    protocolEra: client?.era ?? null,
    protocolVersion: client?.protocolVersion ?? null,
    ...principalCorrelation(caller),
  };
}

const DENIED = new Set([
  'FORBIDDEN',
  'INSUFFICIENT_SCOPE',
  'UNAUTHORIZED',
  'UNAUTHENTICATED',
  'ACCESS_DENIED',
]);

/** Maps a tool error code to the outcome column. */
export function outcomeOfCode(code: string | null | undefined): AuditOutcome {
  if (code === null || code === undefined) return 'error';
  if (code === 'APPROVAL_REQUIRED' || code === 'APPROVAL_PENDING') return 'approval_required';
  if (code.startsWith('APPROVAL_')) return 'approval_refused';
  if (code === 'RATE_LIMITED') return 'rate_limited';
  if (code === 'TIMEOUT') return 'timeout';
  if (DENIED.has(code)) return 'denied';
  return 'error';
}

/**
 * Builds a row whose every value survives PostgreSQL unchanged (NUL and lone surrogates replaced,
 * plain JSON), so the hash computed before the insert is the hash `verify` recomputes.
 */
export function makeRecord(fields: AuditRecord): AuditRecord {
  const record: AuditRecord = {
    ...fields,
    server: safeText(fields.server),
    name: safeText(fields.name),
    subject: safeText(fields.subject),
    principalKind: safeText(fields.principalKind),
    clientId: safeText(fields.clientId),
    clientName: safeText(fields.clientName),
    clientVersion: safeText(fields.clientVersion),
    protocolEra: safeText(fields.protocolEra),
    protocolVersion: safeText(fields.protocolVersion),
    correlationId: safeText(fields.correlationId),
    traceId: safeText(fields.traceId),
    arguments: jsonSafe(fields.arguments),
    errorCode: safeText(fields.errorCode),
    touched: fields.touched.map((t) => safeText(t)),
    detail: fields.detail === null ? null : (jsonSafe(fields.detail) as Record<string, unknown>),
  };
  // Correlation fields only when set: rows without them stay as small (spool) as before.
  for (const key of CORRELATION_KEYS) {
    const value = fields[key];
    if (value === undefined || value === null) delete record[key];
    else record[key] = safeText(value);
  }
  return record;
}
