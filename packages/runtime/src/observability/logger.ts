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
 * Header paths pino itself redacts (exact paths are cheap in pino's redactor; leading-wildcard paths
 * like `*.password` cost tens of µs per child logger and per line, so secret-named fields at any
 * depth are scrubbed by `scrubSecrets` in the log formatter instead).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

const SECRET_KEYS = new Set(SECRET_FIELDS.map((field) => field.toLowerCase()));
const MAX_DEPTH = 4;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces the values of secret-named keys (password, token, clientSecret, authorization, cookie...)
 * in plain objects and arrays up to four levels deep. Copy-on-write: an object without secrets is
 * returned as is. Errors and class instances are left to pino's serializers.
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const scrubbed = scrubSecrets(item, depth + 1);
      if (scrubbed === item) return;
      copy ??= [...value];
      copy[index] = scrubbed;
    });
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const scrubbed =
      SECRET_KEYS.has(key.toLowerCase()) && item !== undefined ? '[REDACTED]' : scrubSecrets(item, depth + 1);
    if (scrubbed === item) continue;
    copy ??= { ...value };
    copy[key] = scrubbed;
  }
  return copy ?? value;
}

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
    formatters: { log: (object) => scrubSecrets(object) as Record<string, unknown> },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}

/** The trace id of a request, for log lines (undefined without a valid `traceparent`). */
export function traceIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers.traceparent;
  return typeof header === 'string' ? parseTraceparent(header)?.traceId : undefined;
}
