import { randomBytes } from 'node:crypto';

/**
 * What a backend operation needs from the MCP call that asked for it: the call's signal (deadline,
 * client gone, shutdown) and its trace identity. A tool passes its `ctx` unchanged — `CallContext`
 * has all three — so every backend method takes one of these and cancelling the call aborts the
 * upstream request.
 */
export interface UpstreamCall {
  signal: AbortSignal;
  /** W3C `traceparent` of the incoming request; the upstream request joins that trace. */
  traceparent?: string | undefined;
  /** Correlation id of the call (sent as `x-request-id`). */
  correlationId?: string | undefined;
}

/** A parsed W3C `traceparent` (version 00). */
export interface TraceContext {
  traceId: string;
  parentId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a `traceparent` header; undefined when absent or invalid (all-zero ids, version ff, bad shape). */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/**
 * Headers an upstream request carries so its work joins the caller's trace: a `traceparent` with the
 * same trace id and a fresh span id for this hop, and `x-request-id` with the call's correlation id.
 * Never the caller's credentials.
 */
export function traceHeaders(
  call: Pick<UpstreamCall, 'traceparent' | 'correlationId'>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (call.correlationId !== undefined) headers['x-request-id'] = call.correlationId;
  const parent = parseTraceparent(call.traceparent);
  if (parent) headers.traceparent = `00-${parent.traceId}-${randomBytes(8).toString('hex')}-${parent.flags}`;
  return headers;
}

/** A call that is never cancelled: start-up work, background sync, command-line tools. */
export function backgroundCall(signal: AbortSignal = new AbortController().signal): UpstreamCall {
  return { signal };
}
