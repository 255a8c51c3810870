import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify, type RemoteJWKSet } from 'jose';
import { InvalidTokenError, JwksUnavailableError } from '../errors.ts';

export interface JwtVerifierOptions {
  /** Exact `iss` value tokens must carry. */
  issuer: string;
  /** This server's resource URI; tokens must name it in `aud`. */
  audience: string;
  /** JWK Set URL; discovered from the issuer's metadata when absent. */
  jwksUrl?: string | undefined;
  /** Accepted JWS algorithms (asymmetric only; the config refuses anything else). */
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  /** Minimum time between JWKS downloads; an unknown `kid` triggers at most one refetch per cooldown. */
  cooldownMs: number;
  /** Time limit of one metadata or JWKS request. */
  timeoutMs?: number;
  /**
   * How long a verified token's claims are reused without checking the signature again (never past
   * its expiry; 0 disables). Bounds how long a token signed by a key the issuer has since withdrawn
   * keeps working. Default 60 s.
   */
  cacheTtlMs?: number;
  /** Most tokens kept in that cache (oldest evicted first). Default 10 000. */
  cacheMaxEntries?: number;
}

export interface JwtVerifier {
  /** Verified claims, or throws `InvalidTokenError` (401) / `JwksUnavailableError` (503). */
  verify(token: string): Promise<JWTPayload>;
}

/** Where the issuer's metadata lives (RFC 8414 path-inserted form first, then OpenID Connect discovery). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Resolves the issuer's `jwks_uri` from its metadata, checking that the metadata belongs to that issuer. */
export async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<string> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      failures.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const metadata = (await response.json().catch(() => undefined)) as
      | { issuer?: unknown; jwks_uri?: unknown }
      | undefined;
    // RFC 8414 §3.3: the metadata must name exactly the issuer we asked about (no mix-up attacks).
    if (metadata?.issuer !== issuer) {
      failures.push(`${url}: metadata issuer ${JSON.stringify(metadata?.issuer)} is not ${issuer}`);
      continue;
    }
    if (typeof metadata.jwks_uri !== 'string' || !URL.canParse(metadata.jwks_uri)) {
      failures.push(`${url}: no jwks_uri`);
      continue;
    }
    return metadata.jwks_uri;
  }
  throw new JwksUnavailableError(
    `Could not discover the JWK Set of ${issuer}: ${failures.join('; ')}. Set OAUTH_JWKS_URL.`,
  );
}

function describe(error: unknown): InvalidTokenError | JwksUnavailableError {
  if (error instanceof InvalidTokenError || error instanceof JwksUnavailableError) return error;
  if (error instanceof errors.JWTExpired)
    return new InvalidTokenError('The access token has expired', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'aud')
      return new InvalidTokenError('The access token was not issued for this server (audience)', {
        cause: error,
      });
    if (claim === 'iss')
      return new InvalidTokenError('The access token was issued by an untrusted issuer', { cause: error });
    if (claim === 'nbf') return new InvalidTokenError('The access token is not valid yet', { cause: error });
    return new InvalidTokenError(`The access token claim ${claim} is invalid`, { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new InvalidTokenError('The access token uses a signing algorithm this server does not accept', {
      cause: error,
    });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new InvalidTokenError('The access token was signed with an unknown key', { cause: error });
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new JwksUnavailableError('The issuer key set could not be fetched', { cause: error });
  }
  if (error instanceof errors.JOSEError)
    return new InvalidTokenError('The access token is malformed or its signature is invalid', {
      cause: error,
    });
  // Anything else is the network (fetch failed): the token may be fine, we just cannot check it now.
  return new JwksUnavailableError('The issuer key set could not be fetched', { cause: error });
}

/**
 * Claim rules beyond jose's: `sub`, when present, is a non-empty string (a numeric or empty one would
 * silently make the client the principal); without it, a non-empty `client_id` names the principal;
 * `iat` is not in the future beyond the clock tolerance.
 */
export function checkClaims(payload: JWTPayload, clockToleranceSeconds: number, now = Date.now()): void {
  if ('sub' in payload && (typeof payload.sub !== 'string' || payload.sub.trim() === '')) {
    throw new InvalidTokenError('The access token sub claim must be a non-empty string');
  }
  const clientId = (payload as { client_id?: unknown }).client_id;
  if (payload.sub === undefined && (typeof clientId !== 'string' || clientId.trim() === '')) {
    throw new InvalidTokenError('The access token names no subject (sub or client_id)');
  }
  if (typeof payload.iat === 'number' && payload.iat > now / 1000 + clockToleranceSeconds) {
    throw new InvalidTokenError('The access token was issued in the future (iat); check the issuer clock');
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies bearer JWTs as an OAuth 2.1 resource server: signature against the issuer's JWKS (cached,
 * refetched at most once per cooldown on an unknown `kid`), an explicit algorithm allow-list, issuer,
 * audience, expiry (required) and not-before with a small clock tolerance. A verified token is
 * remembered (by digest) for up to `cacheTtlMs`, never past its own expiry.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const timeoutMs = options.timeoutMs ?? 5000;
  let keys: RemoteJWKSet | undefined;
  let resolving: Promise<RemoteJWKSet> | undefined;
  let lastDiscoveryFailure = 0;

  const keySet = async (): Promise<RemoteJWKSet> => {
    if (keys) return keys;
    // Bounded discovery: one in flight at a time, and not again within a second of a failure.
    if (Date.now() - lastDiscoveryFailure < 1000) {
      throw new JwksUnavailableError('The issuer metadata is unavailable; retry shortly');
    }
    resolving ??= (async () => {
      try {
        const url = options.jwksUrl ?? (await discoverJwksUrl(options.issuer, timeoutMs));
        keys = createRemoteJWKSet(new URL(url), {
          cooldownDuration: options.cooldownMs,
          timeoutDuration: timeoutMs,
          cacheMaxAge: 10 * 60_000,
        });
        return keys;
      } catch (error) {
        lastDiscoveryFailure = Date.now();
        throw error;
      } finally {
        resolving = undefined;
      }
    })();
    return resolving;
  };

  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const cacheMax = options.cacheMaxEntries ?? 10_000;
  // Keyed by a digest, so the cache never holds the bearer tokens themselves.
  const verified = new Map<string, { payload: JWTPayload; until: number }>();
  const remember = (key: string, payload: JWTPayload) => {
    if (cacheTtlMs <= 0 || typeof payload.exp !== 'number') return;
    const until = Math.min(Date.now() + cacheTtlMs, payload.exp * 1000);
    if (verified.size >= cacheMax) verified.delete(verified.keys().next().value as string);
    verified.set(key, { payload, until });
  };

  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp'],
  };

  return {
    async verify(token) {
      if (token.length > 16_384 || !JWT_SHAPE.test(token)) {
        throw new InvalidTokenError('The access token is not a JWT');
      }
      const key = cacheTtlMs > 0 ? createHash('sha256').update(token).digest('base64') : '';
      const hit = cacheTtlMs > 0 ? verified.get(key) : undefined;
      if (hit) {
        if (Date.now() < hit.until) return hit.payload;
        verified.delete(key);
      }
      try {
        const { payload } = await jwtVerify(token, await keySet(), verifyOptions);
        checkClaims(payload, options.clockToleranceSeconds);
        remember(key, payload);
        return payload;
      } catch (error) {
        throw describe(error);
      }
    },
  };
}
