import type { FastifyBaseLogger } from 'fastify';
import type { CallContext, Caller, ClientInfo, ProtocolEra } from './definitions.ts';

/** What the HTTP layer knows about one MCP message, independent of the path that serves it. */
export interface RequestInfo {
  caller: Caller;
  log: FastifyBaseLogger;
  correlationId: string;
  traceparent?: string;
  tracestate?: string;
  traceSource?: 'meta' | 'header';
  /** The verified 2025-era `Mcp-Session-Id`. */
  sessionId?: string;
  /** Fires when the client goes away (closed response stream). */
  signal: AbortSignal;
}

const NO_PROGRESS = (): void => {};
const NO_TOUCH = (): void => {};
const NO_CLIENT_LOG = (): void => {};

/** Builds the handler context for one call; `progress` is bound by the serving path. */
export function callContext(
  info: RequestInfo,
  client: ClientInfo,
  progress: CallContext['progress'] = NO_PROGRESS,
  clientLog: CallContext['clientLog'] = NO_CLIENT_LOG,
): CallContext {
  return {
    log: info.log,
    signal: info.signal,
    progress,
    caller: info.caller,
    client,
    correlationId: info.correlationId,
    ...(info.traceparent === undefined ? {} : { traceparent: info.traceparent }),
    ...(info.tracestate === undefined ? {} : { tracestate: info.tracestate }),
    ...(info.traceSource === undefined ? {} : { traceSource: info.traceSource }),
    ...(info.sessionId === undefined ? {} : { sessionId: info.sessionId }),
    touch: NO_TOUCH,
    clientLog,
  };
}

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];

export function eraOf(protocolVersion: string): ProtocolEra {
  if (protocolVersion >= MODERN_VERSION) return '2026';
  if (protocolVersion === '2024-11-05') return '2024-sse';
  return '2025';
}

const MAX_TRACE_HEADER = 512;

function traceValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_TRACE_HEADER ? value : undefined;
}

/**
 * The W3C trace context of one MCP message: `traceparent`/`tracestate` from the request's `_meta`
 * (MCP 2026-07-28, SEP-414) when present, else from the HTTP headers. Client-supplied either way.
 */
export function traceContextOf(
  headers: Record<string, string | string[] | undefined>,
  message: unknown,
): Pick<RequestInfo, 'traceparent' | 'tracestate' | 'traceSource'> {
  const params = (message as { params?: unknown } | undefined)?.params;
  const meta =
    typeof params === 'object' && params !== null ? (params as { _meta?: unknown })._meta : undefined;
  if (typeof meta === 'object' && meta !== null) {
    const traceparent = traceValue((meta as Record<string, unknown>).traceparent);
    if (traceparent !== undefined) {
      const tracestate = traceValue((meta as Record<string, unknown>).tracestate);
      return { traceparent, ...(tracestate === undefined ? {} : { tracestate }), traceSource: 'meta' };
    }
  }
  const traceparent = traceValue(headers.traceparent);
  if (traceparent === undefined) return {};
  const tracestate = traceValue(headers.tracestate);
  return { traceparent, ...(tracestate === undefined ? {} : { tracestate }), traceSource: 'header' };
}
