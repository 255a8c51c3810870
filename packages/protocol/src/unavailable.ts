import type { ErrorCode } from './error-codes.ts';
import { ToolError } from './errors.ts';

/** The error code of a backend that cannot be reached right now (transient, retryable). */
export const UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE' satisfies ErrorCode;

/** Socket-level failures of Node, undici and DNS: the other side is down or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * PostgreSQL SQLSTATEs of an unreachable or restarting server: class 08 (connection exception),
 * 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/** node-postgres reports a dropped or refused connection by message only. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly)/;

/** Whether `error` (or an error it wraps) says a backend could not be reached, rather than a bug. */
export function isUnavailability(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.test(message)) return true;
    if (current instanceof AggregateError && current.errors.some(isUnavailability)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The retryable tool error for a backend that cannot be reached. */
export function upstreamUnavailable(cause?: unknown): ToolError {
  return new ToolError(UPSTREAM_UNAVAILABLE, 'A backend system this call needs cannot be reached right now', {
    retryable: true,
    hint: 'Try again in a few seconds (for a change, first check whether it was applied); if it persists, the backend is down.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Logs an outage once, not once per failure: the first failure under a key is logged with its
 * error, the following ones are only counted, and the first success after them logs the recovery
 * with that count.
 */
export class OutageLog {
  private readonly open = new Map<string, number>();
  private readonly downMessage: string;
  private readonly upMessage: string;

  constructor(
    messages: { down: string; up: string } = {
      down: 'backend unreachable: answering UPSTREAM_UNAVAILABLE (logged once per outage; later failures are counted)',
      up: 'backend reachable again',
    },
  ) {
    this.downMessage = messages.down;
    this.upMessage = messages.up;
  }

  failed(log: { warn: (obj: object, msg: string) => void }, key: string, error: unknown): void {
    const suppressed = this.open.get(key);
    if (suppressed === undefined) {
      this.open.set(key, 0);
      log.warn({ err: error, call: key }, this.downMessage);
      return;
    }
    this.open.set(key, suppressed + 1);
  }

  succeeded(log: { info: (obj: object, msg: string) => void }, key: string): void {
    if (this.open.size === 0) return;
    const suppressed = this.open.get(key);
    if (suppressed === undefined) return;
    this.open.delete(key);
    log.info({ call: key, failuresNotLogged: suppressed }, this.upMessage);
  }
}
