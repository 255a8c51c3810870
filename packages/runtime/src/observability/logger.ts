import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';
import { parseTraceparent } from './trace.ts';

const SECRET_FIELDS = [
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'authorization',
  'cookie',
  'privateKey',
  'private_key',
];

/**
 * Paths pino replaces with `[REDACTED]` on every line: credentials in request/response headers, and
 * secret-looking fields up to three levels deep in anything logged. Tool arguments marked sensitive
 * are redacted before they are logged (see `redactPaths`).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id: the incoming `x-request-id` when it is sane (so one id follows a call across hops), else a UUID. */
export function genReqId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
}

/** pino options for a server: level, redaction, the `server` binding. */
export function loggerOptions(level: string, server: string): LoggerOptions {
  return {
    level,
    base: { server },
    redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}

/** The trace id of a request, for log lines (undefined without a valid `traceparent`). */
export function traceIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers.traceparent;
  return typeof header === 'string' ? parseTraceparent(header)?.traceId : undefined;
}
