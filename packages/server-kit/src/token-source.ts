import { inspect } from 'node:util';
import { raceSignal } from '@mcp-platform/protocol';

/**
 * A credential for an upstream system: the headers that carry it plus what the token endpoint said
 * beside the token (Salesforce's `instance_url`). It never shows its secret: `JSON.stringify`, pino
 * and `util.inspect` all print `[redacted]`.
 */
export class Credential {
  readonly #headers: Readonly<Record<string, string>>;
  /** Non-secret fields of the token response (`instance_url`, `scope`, ...); `access_token` removed. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds after which the credential is refreshed (undefined: never expires). */
  readonly expiresAt: number | undefined;

  constructor(headers: Record<string, string>, fields: Record<string, unknown> = {}, expiresAt?: number) {
    this.#headers = Object.freeze({ ...headers });
    this.fields = Object.freeze({ ...fields });
    this.expiresAt = expiresAt;
  }

  /** The request headers carrying the credential (`authorization`, or an API-key header). */
  headers(): Record<string, string> {
    return { ...this.#headers };
  }

  /** The bare bearer token, for clients that take one (jsforce's `accessToken`). */
  bearerToken(): string | undefined {
    const value = this.#headers.authorization;
    return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Credential [redacted]';
  }
}

/** Where an upstream adapter gets its credential from. */
export interface TokenSource {
  /** A valid credential. Concurrent callers share one token request (single flight). */
  get(signal?: AbortSignal): Promise<Credential>;
  /**
   * `rejected` was refused by the upstream (401): the next `get` fetches a new credential. However
   * many requests saw the same rejection, only one refresh happens.
   */
  invalidate(rejected: Credential): void;
}

export interface CachedTokenSourceOptions {
  /** Refresh this long before the credential expires (default 60 s). */
  skewMs?: number;
  now?: () => number;
}

/**
 * A TokenSource around `fetchCredential`: caches the credential until shortly before it expires,
 * lets one request fetch while the others wait for it, and refreshes once after a rejection.
 */
export function cachedTokenSource(
  fetchCredential: (signal: AbortSignal | undefined) => Promise<Credential>,
  options: CachedTokenSourceOptions = {},
): TokenSource {
  const skewMs = options.skewMs ?? 60_000;
  const now = options.now ?? Date.now;
  let current: Credential | undefined;
  let pending: Promise<Credential> | undefined;
  const fresh = (c: Credential | undefined): c is Credential =>
    c !== undefined && (c.expiresAt === undefined || c.expiresAt - skewMs > now());
  return {
    get(signal) {
      if (fresh(current)) return Promise.resolve(current);
      // One request for everyone waiting; one caller's cancellation does not fail the others.
      pending ??= fetchCredential(undefined).then(
        (credential) => {
          current = credential;
          pending = undefined;
          return credential;
        },
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
      return signal === undefined ? pending : raceSignal(pending, signal);
    },
    invalidate(rejected) {
      if (current === rejected) current = undefined;
    },
  };
}

/** A fixed credential (static API token, basic auth, API-key header): never refreshed. */
export function staticTokenSource(credential: Credential): TokenSource {
  return { get: () => Promise.resolve(credential), invalidate: () => {} };
}

/** `Authorization: Bearer <token>` (a static API token). */
export function bearerToken(token: string): TokenSource {
  return staticTokenSource(new Credential({ authorization: `Bearer ${token}` }));
}

/** `Authorization: Basic base64(user:password)`. */
export function basicAuth(user: string, password: string): TokenSource {
  const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
  return staticTokenSource(new Credential({ authorization: `Basic ${encoded}` }));
}

/** An API key in a header of the upstream's choosing (`x-api-key`, `apikey`, ...). */
export function apiKeyHeader(header: string, key: string): TokenSource {
  return staticTokenSource(new Credential({ [header.toLowerCase()]: key }));
}
