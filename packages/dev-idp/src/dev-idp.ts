import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, type Configuration, errors } from 'oidc-provider';
import { assertLoopback, DevIdpError } from './loopback.ts';
import { MemoryStore } from './memory-adapter.ts';
import { errorPage, loginPage, PAGE_HEADERS } from './pages.ts';
import { DEMO_PEOPLE, DEMO_ROLE_SCOPES, type DevPerson, type RoleScopes, scopesOf } from './people.ts';
import { signInAs } from './sign-in.ts';

/** A protected resource (an MCP server) tokens can be issued for. */
export interface DevResource {
  /** The resource URI clients send as RFC 8707 `resource` (the server's `PUBLIC_URL/mcp`); the token's `aud`. */
  uri: string;
  /** Scope prefix of the server (`crm` → `crm:read`, `crm:write`, `crm:approve`). */
  server: string;
}

export interface DevIdpOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Loopback address to bind; anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** Issuer URL; default `http://<host>:<port>`. Must be loopback. */
  issuer?: string;
  people?: readonly DevPerson[];
  roleScopes?: RoleScopes;
  resources?: readonly DevResource[];
  /** Pre-registered clients (e.g. a console's confidential client). More can be added later with `addClient`. */
  clients?: readonly ClientMetadata[];
  /** Access-token lifetime in seconds (default 3600). */
  accessTokenTtlSeconds?: number;
}

export interface DevTokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  scope: string;
  expiresIn: number;
}

export interface DevIdp {
  /** Issuer URL (exact `iss`; discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  people: readonly DevPerson[];
  /** Accept tokens for one more resource (a server whose URL is known only once it listens). */
  addResource(resource: DevResource): void;
  /** Registers (or replaces) a client, as an administrator would at a corporate identity provider. */
  addClient(metadata: ClientMetadata): Promise<void>;
  /**
   * Signs `person` in on an authorization request the way a browser would (following redirects,
   * submitting the sign-in page) and returns the URL the provider finally redirects to: the client's
   * `redirect_uri` with `code` and `state`, or with `error`.
   */
  signIn(authorizationUrl: string | URL, person: string): Promise<URL>;
  /** A full authorization code + PKCE flow with a built-in public test client; returns the tokens. */
  tokensFor(options: { person: string; resource: string; scope?: string }): Promise<DevTokens>;
  close(): Promise<void>;
}

const TEST_CLIENT_ID = 'dev-idp-test-client';
const TEST_REDIRECT = 'http://127.0.0.1/dev-idp-test-callback';

const b64url = (buffer: Buffer) => buffer.toString('base64url');

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new DevIdpError('DEV_IDP_BODY_TOO_LARGE', 'form body too large');
  }
  return new URLSearchParams(body);
}

/**
 * Starts the development OpenID provider (oidc-provider) on loopback: authorization code + PKCE
 * (required for every client), RFC 8707 resource indicators with JWT access tokens whose `aud` is the
 * resource, refresh tokens, open dynamic client registration, Client ID Metadata Documents
 * (experimental in oidc-provider, https client ids only), loopback redirect URIs. There are no
 * passwords: the sign-in page lets anyone pick a demo person.
 */
export async function startDevIdp(options: DevIdpOptions = {}): Promise<DevIdp> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host, options.issuer);
  const people = options.people ?? DEMO_PEOPLE;
  const roleScopes = options.roleScopes ?? DEMO_ROLE_SCOPES;
  const resources = new Map<string, DevResource>();
  for (const r of options.resources ?? []) resources.set(r.uri, r);
  const store = new MemoryStore();
  const personById = (id: string) => people.find((p) => p.id === id);

  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const issuer = options.issuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    adapter: (name: string) => store.adapter(name),
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: [TEST_REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      ...(options.clients ?? []),
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [b64url(randomBytes(32))] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const person = personById(id);
      if (!person) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          name: person.name,
          preferred_username: id,
          email: person.email,
          groups: [...person.roles],
        }),
      };
    },
    // Every client that may use refresh tokens gets them (MCP hosts rarely ask for offline_access).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: (_ctx, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const person = accountId ? personById(accountId) : undefined;
      return person ? { groups: [...person.roles], name: person.name, email: person.email } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      RefreshToken: 24 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        allowFetch: () => true,
        allowClient: () => true,
      },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const resource = resources.get(indicator);
          if (!resource) {
            throw new errors.InvalidTarget(
              `unknown resource ${indicator}; this provider knows ${[...resources.keys()].join(', ') || 'none yet'}`,
            );
          }
          const s = resource.server;
          return {
            scope: `${s}:read ${s}:write ${s}:approve`,
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };

  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  /** The sign-in and consent step: the chosen person grants what their roles allow of what was asked. */
  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new DevIdpError('DEV_IDP_INTERACTION', 'interaction mismatch');
    const clientId = String(details.params.client_id);
    if (req.method === 'GET') {
      const client = await provider.Client.find(clientId);
      res.writeHead(200, PAGE_HEADERS);
      res.end(loginPage(`/interaction/${uid}`, client?.clientName ?? clientId, people));
      return;
    }
    const form = await readForm(req);
    const person =
      personById(form.get('person') ?? '') ?? personById(String(details.session?.accountId ?? ''));
    if (!person) {
      res.writeHead(400, PAGE_HEADERS);
      res.end(errorPage('Pick one of the people on the sign-in page.'));
      return;
    }
    const requested = new Set(
      String(details.params.scope ?? '')
        .split(' ')
        .filter(Boolean),
    );
    const allowed = scopesOf(person, roleScopes);
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId: person.id, clientId }))
      : new provider.Grant({ accountId: person.id, clientId });
    grant.addOIDCScope(
      [...requested].filter((s) => ['openid', 'offline_access', 'profile', 'email', 'groups'].includes(s)),
    );
    const indicators = details.params.resource;
    for (const indicator of Array.isArray(indicators) ? indicators : indicators ? [String(indicators)] : []) {
      const resource = resources.get(String(indicator));
      if (!resource) continue;
      const asked = [...requested].filter((s) => s.startsWith(`${resource.server}:`));
      // What the person's roles do not allow is refused here, so the token simply lacks it.
      grant.addResourceScope(
        String(indicator),
        asked.filter((s) => allowed.has(s)),
      );
      const refused = asked.filter((s) => !allowed.has(s));
      if (refused.length > 0) grant.rejectResourceScope(String(indicator), refused);
    }
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: person.id }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  };

  http.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const match = /^\/interaction\/([\w-]+)$/.exec(path);
    if (!match) {
      callback(req, res);
      return;
    }
    interaction(req, res, match[1]!).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      res.writeHead(400, PAGE_HEADERS);
      res.end(
        errorPage(
          `The sign-in could not continue (${(error as Error).message}). Start again from the application.`,
        ),
      );
    });
  });

  const signIn = (authorizationUrl: string | URL, person: string) =>
    signInAs(issuer, authorizationUrl, person);

  const tokensFor: DevIdp['tokensFor'] = async ({ person, resource, scope }) => {
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const authorize = new URL('/auth', issuer);
    authorize.search = new URLSearchParams({
      client_id: TEST_CLIENT_ID,
      response_type: 'code',
      redirect_uri: TEST_REDIRECT,
      scope: scope ?? `openid ${resources.get(resource)?.server ?? ''}:read`,
      resource,
      state,
      code_challenge: b64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    const back = await signIn(authorize, person);
    const code = back.searchParams.get('code');
    if (!code || back.searchParams.get('state') !== state) {
      throw new DevIdpError('DEV_IDP_SIGN_IN_FAILED', `no code came back: ${back.search}`);
    }
    const response = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: TEST_REDIRECT,
        client_id: TEST_CLIENT_ID,
        code_verifier: verifier,
        resource,
      }).toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok)
      throw new DevIdpError('DEV_IDP_TOKEN_FAILED', `token request failed: ${JSON.stringify(body)}`);
    return {
      accessToken: String(body.access_token),
      refreshToken: body.refresh_token === undefined ? undefined : String(body.refresh_token),
      idToken: body.id_token === undefined ? undefined : String(body.id_token),
      scope: String(body.scope ?? ''),
      expiresIn: Number(body.expires_in),
    };
  };

  return {
    issuer,
    people,
    addResource: (resource) => {
      resources.set(resource.uri, resource);
    },
    addClient: async (metadata) => {
      const client = { token_endpoint_auth_method: 'client_secret_basic', ...metadata } as ClientMetadata;
      await store.adapter('Client').upsert(client.client_id, client as never, 0);
    },
    signIn,
    tokensFor,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
