import type { Caller } from '@mcp-platform/protocol';
import * as oidc from 'openid-client';
import { isLoopbackHost } from '../../net.ts';
import type { LoginState } from './session.ts';

export interface OidcSignInOptions {
  /** The organisation's OpenID provider (exact issuer; discovery at its well-known metadata). */
  issuer: string;
  /** The console's confidential client at that provider. */
  clientId: string;
  clientSecret: string;
  /** `<PUBLIC_URL>/approvals/callback`, registered at the provider. */
  redirectUri: string;
  /** The server's resource URI (RFC 8707): the access token is minted for it and verified like the API's. */
  resource: string;
  /** Scopes asked for besides `openid profile` (e.g. `crm:approve`). */
  scopes: readonly string[];
  /** Verifies an access token for this server into a Caller, exactly as the API does. */
  verify: (accessToken: string) => Promise<Caller>;
}

export interface SignedIn {
  caller: Caller;
  name: string;
  expiresAt: Date;
}

/**
 * OpenID Connect authorization code + PKCE with the console as a confidential client, on
 * `openid-client`. Plain-http issuers are accepted only on loopback (the development provider).
 */
export class OidcSignIn {
  private readonly options: OidcSignInOptions;
  private config: Promise<oidc.Configuration> | undefined;

  constructor(options: OidcSignInOptions) {
    this.options = options;
  }

  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const { issuer, clientId, clientSecret } = this.options;
      const insecure = new URL(issuer).protocol === 'http:' && isLoopbackHost(new URL(issuer).hostname);
      this.config = oidc
        .discovery(
          new URL(issuer),
          clientId,
          undefined,
          oidc.ClientSecretBasic(clientSecret),
          insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.config = undefined; // retried on the next sign-in
          throw error;
        });
    }
    return this.config;
  }

  /** Where to send the browser, and the state to keep (sealed in a cookie) until it comes back. */
  async start(returnTo: string): Promise<{ url: URL; login: LoginState }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const login: LoginState = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      response_type: 'code',
      scope: ['openid', 'profile', ...this.options.scopes].join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
      resource: this.options.resource,
    });
    return { url, login };
  }

  /** Redeems the code (state, nonce and PKCE checked) and verifies the access token like the API does. */
  async finish(callbackUrl: URL, login: LoginState): Promise<SignedIn> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callbackUrl,
      {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      },
      { resource: this.options.resource },
    );
    const caller = await this.options.verify(tokens.access_token);
    const idClaims = tokens.claims();
    if (idClaims?.sub !== caller.subject)
      throw new Error('the ID token and the access token name different people');
    const exp = typeof caller.claims.exp === 'number' ? caller.claims.exp * 1000 : Date.now() + 3600_000;
    const name = [idClaims.name, idClaims.preferred_username, caller.subject].find(
      (v) => typeof v === 'string',
    );
    return { caller, name: name as string, expiresAt: new Date(Math.min(exp, Date.now() + 8 * 3600_000)) };
  }
}
