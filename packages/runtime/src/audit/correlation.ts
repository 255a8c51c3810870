import type { CallContext, Caller } from '@mcp-platform/protocol';
import { sha256Hex } from './canonical-json.ts';

/**
 * Correlation columns of an audit row (migration 1764000000002): what ties the calls of one agent
 * workflow together across servers. Optional on `AuditRecord` so rows built before them (spooled by an
 * older version) stay valid; a row with none of them set hashes exactly as before (chain.ts).
 */
export interface AuditCorrelation {
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

export const CORRELATION_KEYS = [
  'parentSpanId',
  'traceState',
  'traceSource',
  'idpSession',
  'tokenId',
  'mcpSession',
] as const satisfies ReadonlyArray<keyof AuditCorrelation>;

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const TRACESTATE_MAX = 512;
const CLAIM_MAX = 256;

/** A claim value fit for a column: a non-empty string of at most 256 characters, else null. */
function claim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= CLAIM_MAX ? value : null;
}

/** The digest stored for a 2025-era `Mcp-Session-Id` (what `audit query --session` compares). */
export function mcpSessionDigest(sessionId: string): string {
  return sha256Hex(sessionId).slice(0, 32);
}

/** The principal's IdP session and token id, from the verified token claims (null for service tokens). */
export function principalCorrelation(caller: Caller): Pick<AuditCorrelation, 'idpSession' | 'tokenId'> {
  return { idpSession: claim(caller.claims.sid), tokenId: claim(caller.claims.jti) };
}

/** The trace and session columns of a call, from its context (every value as the client sent it). */
export function traceCorrelation(
  ctx: Pick<CallContext, 'traceparent' | 'tracestate' | 'traceSource' | 'sessionId'>,
): Pick<AuditCorrelation, 'parentSpanId' | 'traceState' | 'traceSource' | 'mcpSession'> {
  const match = ctx.traceparent === undefined ? null : TRACEPARENT.exec(ctx.traceparent.trim().toLowerCase());
  const valid = match !== null && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!);
  return {
    parentSpanId: valid ? match[2]! : null,
    traceState:
      valid && ctx.tracestate !== undefined && ctx.tracestate.length <= TRACESTATE_MAX
        ? ctx.tracestate
        : null,
    traceSource: valid ? (ctx.traceSource ?? 'header') : null,
    mcpSession: ctx.sessionId === undefined ? null : mcpSessionDigest(ctx.sessionId),
  };
}

/** Whether any correlation field is set (rows without any keep the version-1 hash form). */
export function hasCorrelation(row: AuditCorrelation): boolean {
  return CORRELATION_KEYS.some((key) => row[key] !== undefined && row[key] !== null);
}
