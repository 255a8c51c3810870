import { createSign } from 'node:crypto';
import { OAuth2 } from 'jsforce';

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

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

/** A JWT bearer assertion (RS256) for the token endpoint, valid for three minutes. */
export function jwtAssertion(
  auth: Extract<SalesforceAuth, { flow: 'jwt_bearer' }>,
  now = Date.now(),
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT' });
  const claims = encode({
    iss: auth.clientId,
    sub: auth.username,
    aud: auth.audience,
    exp: Math.floor(now / 1000) + 180,
  });
  const signature = createSign('RSA-SHA256')
    .update(`${header}.${claims}`)
    .sign(auth.privateKey)
    .toString('base64url');
  return `${header}.${claims}.${signature}`;
}

/** Requests a fresh access token from `{loginUrl}/services/oauth2/token`. */
export async function requestSession(auth: SalesforceAuth): Promise<SalesforceSession> {
  const response =
    auth.flow === 'client_credentials'
      ? await new OAuth2({
          loginUrl: auth.loginUrl,
          clientId: auth.clientId,
          clientSecret: auth.clientSecret,
        }).requestToken({
          grant_type: 'client_credentials',
        })
      : await new OAuth2({ loginUrl: auth.loginUrl }).requestToken({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: jwtAssertion(auth),
        });
  if (typeof response.access_token !== 'string' || typeof response.instance_url !== 'string') {
    throw new Error('Salesforce token response lacks access_token or instance_url');
  }
  return { accessToken: response.access_token, instanceUrl: response.instance_url };
}
