import { createPrivateKey } from 'node:crypto';
import { ToolError } from '@mcp-platform/protocol';
import { SignJWT } from 'jose';
import { networkCodeOf } from './classify.ts';
import { Credential, cachedTokenSource, type TokenSource } from './token-source.ts';

/** The OAuth 2.0 grant a server-to-server integration uses to get its access token. */
export type OAuthGrant =
  | { type: 'client_credentials'; clientId: string; clientSecret: string; scope?: string | undefined }
  | {
      type: 'password';
      clientId: string;
      clientSecret?: string | undefined;
      username: string;
      password: string;
      scope?: string | undefined;
    }
  | {
      /** RFC 7523: a signed assertion instead of a secret (Salesforce, Google, SAP BTP). */
      type: 'jwt_bearer';
      /** `iss` (the client id for Salesforce). */
      issuer: string;
      /** `sub`: the integration user. */
      subject: string;
      /** `aud`: the authorization server. */
      audience: string;
      /** PEM private key (PKCS#8 or PKCS#1). */
      privateKey: string;
      /** Default RS256. */
      algorithm?: string | undefined;
      /** Assertion lifetime, default 180 s. */
      lifetimeSeconds?: number | undefined;
      /** Sent as `client_id` too, when the server wants it. */
      clientId?: string | undefined;
      scope?: string | undefined;
    };

export interface OAuthTokenSourceOptions {
  /** The token endpoint, e.g. `https://example.my.salesforce.com/services/oauth2/token`. */
  tokenUrl: string;
  grant: OAuthGrant;
  /** Upstream name for error messages (`Salesforce`). */
  system: string;
  /** `body` (client_id/client_secret form fields, the default) or `basic` (HTTP Basic). */
  clientAuth?: 'body' | 'basic';
  /** Lifetime assumed when the response has no `expires_in` (Salesforce sends none): default 15 min. */
  defaultLifetimeSeconds?: number;
  /** Per-request time limit, default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** A signed RFC 7523 assertion for the `jwt_bearer` grant. */
export async function jwtAssertion(
  grant: Extract<OAuthGrant, { type: 'jwt_bearer' }>,
  now = Date.now(),
): Promise<string> {
  const key = createPrivateKey(grant.privateKey);
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: grant.algorithm ?? 'RS256', typ: 'JWT' })
    .setIssuer(grant.issuer)
    .setSubject(grant.subject)
    .setAudience(grant.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (grant.lifetimeSeconds ?? 180))
    .sign(key);
}

async function formFor(options: OAuthTokenSourceOptions, now: number): Promise<URLSearchParams> {
  const { grant } = options;
  const form = new URLSearchParams();
  const basic = options.clientAuth === 'basic';
  const client = (id: string | undefined, secret: string | undefined) => {
    if (basic) return;
    if (id !== undefined) form.set('client_id', id);
    if (secret !== undefined) form.set('client_secret', secret);
  };
  switch (grant.type) {
    case 'client_credentials':
      form.set('grant_type', 'client_credentials');
      client(grant.clientId, grant.clientSecret);
      break;
    case 'password':
      form.set('grant_type', 'password');
      form.set('username', grant.username);
      form.set('password', grant.password);
      client(grant.clientId, grant.clientSecret);
      break;
    case 'jwt_bearer':
      form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      form.set('assertion', await jwtAssertion(grant, now));
      client(grant.clientId, undefined);
      break;
  }
  if (grant.scope !== undefined) form.set('scope', grant.scope);
  return form;
}

function basicHeader(grant: OAuthGrant): Record<string, string> {
  const id = grant.clientId;
  const secret = grant.type === 'jwt_bearer' ? undefined : grant.clientSecret;
  if (id === undefined) return {};
  const pair = `${encodeURIComponent(id)}:${encodeURIComponent(secret ?? '')}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

function refused(system: string, status: number, error: unknown): ToolError {
  // The endpoint's `error` code is safe to show (invalid_client, invalid_grant); its description may
  // echo what was sent, so it is left to the cause.
  const code = typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? ` (${error})` : '';
  return new ToolError(
    'UPSTREAM_AUTH_FAILED',
    `${system} refused the integration's credentials at its token endpoint: HTTP ${status}${code}`,
    {
      hint: `An administrator should check the ${system} integration's client id, secret or key and its user.`,
    },
  );
}

/**
 * A TokenSource for an OAuth 2.0 token endpoint: client credentials, password grant or JWT bearer.
 * The token is cached until 60 s before it expires, fetched once for all concurrent callers, and
 * fetched again once after an upstream 401 (`invalidate`). Secrets appear in no message or log.
 */
export function oauthTokenSource(options: OAuthTokenSourceOptions): TokenSource {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const lifetime = options.defaultLifetimeSeconds ?? 900;
  return cachedTokenSource(
    async () => {
      const form = await formFor(options, now());
      let response: Response;
      try {
        response = await fetchImpl(options.tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            ...(options.clientAuth === 'basic' ? basicHeader(options.grant) : {}),
          },
          body: form,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        const timedOut = (cause as { name?: unknown }).name === 'TimeoutError';
        if (!timedOut && networkCodeOf(cause) === undefined) throw cause;
        throw new ToolError(
          timedOut ? 'TIMEOUT' : 'UPSTREAM_UNAVAILABLE',
          `${options.system}'s token endpoint ${timedOut ? 'did not answer in time' : 'could not be reached'}`,
          { retryable: true, hint: 'Try again in a moment.', cause },
        );
      }
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        if (response.status >= 500 || response.status === 429) {
          throw new ToolError('UPSTREAM_UNAVAILABLE', `${options.system}'s token endpoint is failing`, {
            retryable: true,
            hint: 'Try again in a moment.',
          });
        }
        throw refused(options.system, response.status, body.error);
      }
      const { access_token: token, token_type: type, expires_in: expiresIn, ...fields } = body;
      if (typeof token !== 'string' || token === '') {
        throw new ToolError(
          'UPSTREAM_ERROR',
          `${options.system}'s token endpoint answered without an access_token`,
          {
            hint: 'Report it to the platform team: the integration is misconfigured.',
          },
        );
      }
      const seconds = typeof expiresIn === 'number' ? expiresIn : Number(expiresIn ?? lifetime);
      const scheme = typeof type === 'string' && type.toLowerCase() !== 'bearer' ? type : 'Bearer';
      return new Credential(
        { authorization: `${scheme} ${token}` },
        fields,
        now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : lifetime) * 1000,
      );
    },
    { now },
  );
}
