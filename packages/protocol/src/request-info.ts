import type { FastifyBaseLogger } from 'fastify';
import type { CallContext, Caller, ClientInfo, ProtocolEra } from './definitions.ts';

/** What the HTTP layer knows about one MCP message, independent of the path that serves it. */
export interface RequestInfo {
  caller: Caller;
  log: FastifyBaseLogger;
  correlationId: string;
  traceparent?: string;
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
