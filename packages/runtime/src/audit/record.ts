import { randomUUID } from 'node:crypto';
import type { Caller, ClientInfo, OutcomeClass } from '@mcp-platform/protocol';
import { ARGUMENT_LIMITS, boundedJson, DETAIL_LIMITS } from './bounded-json.ts';
import { safeText } from './canonical-json.ts';

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

/**
 * The outcome column: the registry's outcome class (`outcomeOf` of the error code, as metrics
 * label it), `input_required` for a round trip, `pending` for an intent row. Rows written before
 * the registry may also hold `approval_required` or `approval_refused`.
 */
export type AuditOutcome = OutcomeClass | 'input_required' | 'pending';

/** One audit row before it is placed on a hash chain (what the queue and the spool hold). */
export interface AuditRecord {
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
  /**
   * Correlation (migration 1764000000002), optional so rows built before them (spooled by an older
   * version) stay valid; set only when known. A row with none set hashes as before (chain.ts).
   */
  /** Span id of the incoming `traceparent` (client-supplied, recorded as claimed). */
  parentSpanId?: string | null;
  /** W3C `tracestate` (client-supplied, bounded, recorded as claimed). */
  traceState?: string | null;
  /** Where the trace context came from: `meta` (the request's `_meta`) or `header` (HTTP). */
  traceSource?: string | null;
  /** The identity provider's session (`sid` claim of the verified access token). */
  idpSession?: string | null;
  /** The access token's id (`jti` claim of the verified token). */
  tokenId?: string | null;
  /** SHA-256 (first 32 hex) of the verified 2025-era `Mcp-Session-Id` (the id itself is never stored). */
  mcpSession?: string | null;
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

const CLAIM_MAX = 256;

/** A claim fit for a column: a non-empty string of at most 256 characters (PostgreSQL-safe), else absent. */
function claim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= CLAIM_MAX
    ? safeText(value)
    : undefined;
}

/** The principal's IdP session (`sid`) and token id (`jti`) from the verified claims; absent keys when unknown. */
export function principalCorrelation(caller: Caller): Pick<AuditRecord, 'idpSession' | 'tokenId'> {
  const idpSession = claim(caller.claims.sid);
  const tokenId = claim(caller.claims.jti);
  return {
    ...(idpSession === undefined ? {} : { idpSession }),
    ...(tokenId === undefined ? {} : { tokenId }),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/;
/** Longest text kept in a column (a resource URI or client name is never this long honestly). */
const MAX_TEXT = 1024;
/** Most touched records kept per row. */
const MAX_TOUCHED = 1000;
const INT32_MAX = 2 ** 31 - 1;

/** Rows built by `makeRecord` (the trail re-checks anything else). */
const sealed = new WeakSet<AuditRecord>();

function boundedText(value: string): string;
function boundedText(value: string | undefined | null): string | null;
function boundedText(value: string | undefined | null): string | null {
  const safe = safeText(value);
  if (safe === null || safe.length <= MAX_TEXT) return safe;
  return `${safe.slice(0, MAX_TEXT).toWellFormed()}…[truncated ${safe.length} chars]`;
}

function finiteOrNull(value: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isoOrNow(value: string): string {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? new Date().toISOString() : new Date(time).toISOString();
}

/**
 * Builds a row whose every value survives PostgreSQL unchanged and is bounded: keys and strings
 * without NUL or lone surrogates, arguments and detail within `ARGUMENT_LIMITS`/`DETAIL_LIMITS`
 * (else a digest plus a truncated excerpt, marked `$audit: "truncated"`), text columns cut at
 * 1024 characters, typed columns valid for their SQL type. The hash computed before the insert is
 * then the hash `verify` recomputes, and no caller-supplied value can make PostgreSQL refuse a row.
 */
export function makeRecord(fields: AuditRecord): AuditRecord {
  if (sealed.has(fields)) return fields;
  const resultBytes = finiteOrNull(fields.resultBytes);
  const record: AuditRecord = {
    ...fields,
    id: UUID.test(fields.id) ? fields.id : randomUUID(),
    at: isoOrNow(fields.at),
    server: boundedText(fields.server),
    name: boundedText(fields.name),
    subject: boundedText(fields.subject),
    principalKind: boundedText(fields.principalKind),
    clientId: boundedText(fields.clientId),
    clientName: boundedText(fields.clientName),
    clientVersion: boundedText(fields.clientVersion),
    protocolEra: boundedText(fields.protocolEra),
    protocolVersion: boundedText(fields.protocolVersion),
    correlationId: boundedText(fields.correlationId),
    traceId: boundedText(fields.traceId),
    arguments: boundedJson(fields.arguments, ARGUMENT_LIMITS),
    errorCode: boundedText(fields.errorCode),
    durationMs: finiteOrNull(fields.durationMs),
    resultBytes:
      resultBytes !== null && Number.isInteger(resultBytes) && resultBytes >= 0 && resultBytes <= INT32_MAX
        ? resultBytes
        : null,
    resultSha256:
      typeof fields.resultSha256 === 'string' && SHA256.test(fields.resultSha256)
        ? fields.resultSha256
        : null,
    touched: fields.touched.slice(0, MAX_TOUCHED).map((t) => boundedText(String(t))),
    approvalId:
      typeof fields.approvalId === 'string' && UUID.test(fields.approvalId) ? fields.approvalId : null,
    detail:
      fields.detail === null ? null : (boundedJson(fields.detail, DETAIL_LIMITS) as Record<string, unknown>),
  };
  sealed.add(record);
  return record;
}
