import { randomBytes } from 'node:crypto';
import { ANONYMOUS } from '@mcp-platform/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { callerFromClaims } from '../../auth/caller.ts';
import { createJwtVerifier } from '../../auth/jwt.ts';
import type { RuntimeConfig } from '../../config.ts';
import type { ConsoleOptions } from './routes.ts';
import { OidcSignIn } from './sign-in.ts';

/**
 * The console as the configuration asks for it: with AUTH_MODE=none (loopback only) the local
 * developer without sign-in; with AUTH_MODE=oauth OpenID Connect sign-in when its client is
 * configured (CONSOLE_OIDC_*), else no console. Access tokens are verified exactly like the API's.
 */
export function consoleOptions(
  config: RuntimeConfig,
  scopesSupported: readonly string[],
  scopePrefix: string,
  log: FastifyBaseLogger,
): { console?: Pick<ConsoleOptions, 'publicUrl' | 'sessionSecret' | 'signIn'> } {
  const sessionSecret = config.CONSOLE_SESSION_SECRET;
  if (config.AUTH_MODE === 'none') {
    return {
      console: {
        publicUrl: config.PUBLIC_URL,
        // One process on loopback: a per-process key is enough when none is configured.
        sessionSecret: sessionSecret ?? randomBytes(32).toString('base64url'),
        signIn: { local: { ...ANONYMOUS, kind: 'user', scopes: [...new Set(scopesSupported)] } },
      },
    };
  }
  if (
    config.CONSOLE_OIDC_CLIENT_ID === undefined ||
    config.CONSOLE_OIDC_CLIENT_SECRET === undefined ||
    sessionSecret === undefined
  ) {
    log.info(
      'approvals console off: set CONSOLE_OIDC_CLIENT_ID, CONSOLE_OIDC_CLIENT_SECRET and CONSOLE_SESSION_SECRET',
    );
    return {};
  }
  const verifier = createJwtVerifier({
    issuer: config.OAUTH_ISSUER as string,
    audience: config.OAUTH_AUDIENCE,
    jwksUrl: config.OAUTH_JWKS_URL,
    algorithms: config.OAUTH_ALGORITHMS,
    clockToleranceSeconds: config.OAUTH_CLOCK_SKEW_SECONDS,
    cooldownMs: config.OAUTH_JWKS_COOLDOWN_MS,
    cacheTtlMs: 0,
  });
  const mapping = {
    scopeClaim: config.OAUTH_SCOPE_CLAIM,
    roleClaim: config.OAUTH_ROLE_CLAIM,
    roleScopes: config.OAUTH_ROLE_SCOPES,
  };
  return {
    console: {
      publicUrl: config.PUBLIC_URL,
      sessionSecret,
      signIn: new OidcSignIn({
        issuer: config.CONSOLE_OIDC_ISSUER ?? (config.OAUTH_ISSUER as string),
        clientId: config.CONSOLE_OIDC_CLIENT_ID,
        clientSecret: config.CONSOLE_OIDC_CLIENT_SECRET,
        redirectUri: `${config.PUBLIC_URL.replace(/\/+$/, '')}/approvals/callback`,
        resource: config.OAUTH_AUDIENCE,
        scopes: [`${scopePrefix}:approve`],
        verify: async (token) => callerFromClaims(await verifier.verify(token), mapping),
      }),
    },
  };
}
