import type { CallContext } from '@mcp-platform/protocol';
import { safeText, sha256Hex } from './canonical-json.ts';
import type { AuditRecord } from './record.ts';

/** The correlation fields of an audit row (migration 1764000000002); see `AuditRecord`. */
export type AuditCorrelation = Pick<
  AuditRecord,
  'parentSpanId' | 'traceState' | 'traceSource' | 'idpSession' | 'tokenId' | 'mcpSession'
>;

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

/** The digest stored for a 2025-era `Mcp-Session-Id` (what `audit query --session` compares). */
export function mcpSessionDigest(sessionId: string): string {
  return sha256Hex(sessionId).slice(0, 32);
}

/**
 * The trace and session columns of a call, from its context: every value as the client sent it,
 * validated and bounded; keys only for what is known (rows without any keep their old size and hash).
 */
export function traceCorrelation(
  ctx: Pick<CallContext, 'traceparent' | 'tracestate' | 'traceSource' | 'sessionId'>,
): Pick<AuditCorrelation, 'parentSpanId' | 'traceState' | 'traceSource' | 'mcpSession'> {
  const out: Pick<AuditCorrelation, 'parentSpanId' | 'traceState' | 'traceSource' | 'mcpSession'> = {};
  const match = ctx.traceparent === undefined ? null : TRACEPARENT.exec(ctx.traceparent.trim().toLowerCase());
  if (match !== null && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) {
    out.parentSpanId = match[2]!;
    out.traceSource = ctx.traceSource === 'meta' ? 'meta' : 'header';
    if (ctx.tracestate !== undefined && ctx.tracestate.length <= TRACESTATE_MAX) {
      out.traceState = safeText(ctx.tracestate);
    }
  }
  if (ctx.sessionId !== undefined) out.mcpSession = mcpSessionDigest(ctx.sessionId);
  return out;
}

/** Whether any correlation field is set (rows without any keep the version-1 hash form). */
export function hasCorrelation(row: AuditCorrelation): boolean {
  return CORRELATION_KEYS.some((key) => row[key] !== undefined && row[key] !== null);
}
