import { oauthTokenSource, type TokenSource } from '@mcp-platform/server-kit';

/**
 * Server-to-server OAuth 2.0 for the integration user: client credentials (connected app with a
 * "run as" user) or JWT bearer (connected app with a certificate; the private key is a mounted file).
 * The MCP caller's token is never sent to Salesforce: every call runs as the integration user.
 */
export type SalesforceAuth =
  | { flow: 'client_credentials'; loginUrl: string; clientId: string; clientSecret: string }
  | {
      flow: 'jwt_bearer';
      loginUrl: string;
      clientId: string;
      username: string;
      privateKey: string;
      audience: string;
    };

/**
 * The kit's token source for `{loginUrl}/services/oauth2/token`: one token request for all concurrent
 * callers, refreshed once after INVALID_SESSION_ID. The response's `instance_url` is in
 * `credential.fields`. Salesforce sends no `expires_in`: the session lives until it is refused.
 */
export function salesforceTokenSource(auth: SalesforceAuth): TokenSource {
  return oauthTokenSource({
    system: 'Salesforce',
    tokenUrl: `${auth.loginUrl}/services/oauth2/token`,
    // Sessions last as long as the org's timeout (2 h by default); a refused one is refreshed anyway.
    defaultLifetimeSeconds: 3600,
    grant:
      auth.flow === 'client_credentials'
        ? { type: 'client_credentials', clientId: auth.clientId, clientSecret: auth.clientSecret }
        : {
            type: 'jwt_bearer',
            issuer: auth.clientId,
            subject: auth.username,
            audience: auth.audience,
            privateKey: auth.privateKey,
          },
  });
}
