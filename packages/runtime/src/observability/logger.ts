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

/** A key names a secret when, lower-cased without `-`/`_`, it contains one of these (x-auth-token, proxy-authorization...). */
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'credential',
  'signature',
];
const SECRET_KEYS = new Set(SECRET_FIELDS.map((field) => field.toLowerCase()));

function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (SECRET_KEYS.has(lower)) return true;
  const squashed = lower.replaceAll('-', '').replaceAll('_', '');
  return SECRET_KEY_PARTS.some((part) => squashed.includes(part));
}

/** Query parameters that carry credentials (`?access_token=`, `?sig=`, `?code=`...). */
const SECRET_PARAM =
  /([?&;](?:[^=&;#]*?(?:token|secret|password|passwd|api[-_]?key|auth|sig|signature|code|credential|session)[^=&;#]*)=)[^&;#]*/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]+:)[^@/?#\s]+@/gi;
const BEARER_TEXT = /\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;

/**
 * A string with credentials in it made safe to log: secret-looking query parameters, a password in
 * a URL's user info and `Bearer …`/`Basic …` credentials replaced by `[REDACTED]`. Cheap for
 * ordinary strings (three regular expressions, no allocation when nothing matches).
 */
export function redactSecretsInText(text: string): string {
  if (!/[=@]|bearer|basic/i.test(text)) return text;
  return text
    .replace(SECRET_PARAM, '$1[REDACTED]')
    .replace(URL_USERINFO, '$1[REDACTED]@')
    .replace(BEARER_TEXT, '$1 [REDACTED]');
}
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
  if (typeof value === 'string') return redactSecretsInText(value);
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
    const scrubbed = isSecretKey(key) && item !== undefined ? '[REDACTED]' : scrubSecrets(item, depth + 1);
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
    // Fastify's request line logs the URL: a token in its query string must not reach the logs.
    serializers: {
      req: (req: {
        method?: string;
        url?: string;
        host?: string;
        ip?: string;
        socket?: { remotePort?: number };
      }) => ({
        method: req.method,
        url: typeof req.url === 'string' ? redactSecretsInText(req.url) : req.url,
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    formatters: { log: (object) => scrubSecrets(object) as Record<string, unknown> },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}

/** The trace id of a request, for log lines (undefined without a valid `traceparent`). */
export function traceIdOf(req: IncomingMessage): string | undefined {
  const header = req.headers.traceparent;
  return typeof header === 'string' ? parseTraceparent(header)?.traceId : undefined;
}
