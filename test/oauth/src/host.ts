import type { EnterpriseIdp } from './enterprise-idp.ts';

/** Client metadata an MCP host registers with (DCR): a public client with refresh, loopback callback. */
export const REDIRECT_URL = 'http://127.0.0.1:8765/oauth/callback';

interface Tokens {
  access_token: string;
  refresh_token?: string;
  [key: string]: unknown;
}

/**
 * The host side of an SDK client's OAuth support, in memory: the `OAuthClientProvider` both SDK
 * generations take (v1 and v2 share the shape). Registration, tokens and the PKCE verifier are
 * whatever the SDK saves; "redirecting the user" records the authorization URL so the test can play
 * the person in the browser (`EnterpriseIdp.signIn`).
 */
export class TestHost {
  #client: Record<string, unknown> | undefined;
  #tokens: Tokens | undefined;
  #verifier = '';
  /** Every authorization URL the SDK sent the user to. */
  readonly authorizationUrls: URL[] = [];
  readonly redirectUrl = REDIRECT_URL;

  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.#client as never;
  }
  saveClientInformation(info: Record<string, unknown>) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens as never;
  }
  saveTokens(tokens: Tokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }

  get accessToken(): string {
    if (this.#tokens === undefined) throw new Error(`${this.name} holds no token yet`);
    return this.#tokens.access_token;
  }
  get refreshToken(): string | undefined {
    return this.#tokens?.refresh_token;
  }
  get registeredClientId(): string | undefined {
    return this.#client?.client_id as string | undefined;
  }
  /** The claims of the current access token (a JWT), unverified: for assertions only. */
  get claims(): Record<string, unknown> {
    const payload = this.accessToken.split('.')[1] ?? '';
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  }
  /** The last authorization URL, consumed. */
  takeAuthorizationUrl(): URL {
    const url = this.authorizationUrls.at(-1);
    if (url === undefined) throw new Error(`${this.name} was never sent to the authorization server`);
    return url;
  }
  /** The person signs in at the IdP for the last authorization URL; returns the callback URL. */
  async signIn(idp: EnterpriseIdp, person: string): Promise<URL> {
    return idp.signIn(this.takeAuthorizationUrl(), person);
  }
}

/** Waits until the current access token has expired (its `exp` is a deterministic deadline). */
export async function untilExpired(host: TestHost): Promise<void> {
  const exp = Number(host.claims.exp) * 1000;
  const wait = exp - Date.now() + 1100;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** A JSON-RPC tools/list POST with a raw bearer token (for refusals the SDKs would retry around). */
export async function postWithToken(mcpUrl: string, token: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'probe', method: 'tools/list', params: {} }),
  });
}

/** Structured content of a successful tool result (fails the test on an error result). */
export function structured(result: unknown): Record<string, unknown> {
  const r = result as { isError?: boolean; structuredContent?: Record<string, unknown>; content?: unknown };
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent ?? {};
}
