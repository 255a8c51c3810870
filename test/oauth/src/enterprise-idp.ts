import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, errors } from 'oidc-provider';

/** A protected resource (one MCP server): tokens for it carry `aud` = `uri` and only `<server>:*` scopes. */
export interface IdpResource {
  /** The server's resource URI (`PUBLIC_URL/mcp`), sent by clients as RFC 8707 `resource`. */
  uri: string;
  /** Scope prefix of the server (`crm` → `crm:read`, `crm:write`, `crm:approve`). */
  server: string;
}

/** A person of the directory and the groups they belong to. */
export interface IdpPerson {
  id: string;
  groups: readonly string[];
}

export interface EnterpriseIdpOptions {
  /**
   * Scope prefixes of every server this IdP will issue tokens for (`crm` → `crm:read|write|approve`):
   * declared up front like an IdP's scope catalogue, so clients may name them when they register.
   */
  servers: readonly string[];
  people: readonly IdpPerson[];
  /** Group → the scopes membership entitles to (e.g. `crm-readers` → `crm:read`). */
  groupScopes: Readonly<Record<string, readonly string[]>>;
  resources?: readonly IdpResource[];
  /** Lifetime of access tokens in seconds (short, like an enterprise IdP's; default 300). */
  accessTokenTtlSeconds?: number;
}

export interface EnterpriseIdp {
  /** Exact issuer (`iss`), `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  addResource(resource: IdpResource): void;
  /** Changes the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  /**
   * Plays the browser: opens the authorization URL, signs `person` in and consents (the grant is what
   * was asked ∩ what their groups entitle them to), follows the redirects and returns the URL the
   * provider finally sends the browser to (the client's redirect URI with `code`, `state`, `iss`).
   */
  signIn(authorizationUrl: string | URL, person: string): Promise<URL>;
  /** Every authorization request the provider received (for asserting resource, PKCE, scope). */
  readonly authorizations: URLSearchParams[];
  /** Every token request's grant type and resource, in order. */
  readonly tokenRequests: Array<{ grantType: string; resource: string | null }>;
  /** Clients registered through dynamic registration. */
  readonly registrations: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'groups'];

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 100_000) throw new Error('body too large');
  }
  return body;
}

/** A cookie jar of one simulated browser: enough for the provider's interaction and session cookies. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair === undefined || at <= 0) continue;
      this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * A real OpenID provider (oidc-provider, OpenID-certified) on 127.0.0.1 set up like an enterprise IdP
 * in front of MCP servers: one resource per server (RFC 8707, the token's `aud`), JWT access tokens
 * (RS256) with a short lifetime and refresh tokens for public clients, scopes `<server>:read|write|approve`
 * granted as the subset the person's groups entitle them to, PKCE S256 required, open dynamic client
 * registration, RFC 9207 `iss` in authorization responses. Consent is given by `signIn`, as a person would.
 */
export async function startEnterpriseIdp(options: EnterpriseIdpOptions): Promise<EnterpriseIdp> {
  const resources = new Map<string, IdpResource>((options.resources ?? []).map((r) => [r.uri, r]));
  const people = new Map(options.people.map((p) => [p.id, p]));
  let accessTokenTtl = options.accessTokenTtlSeconds ?? 300;
  const entitled = (person: IdpPerson) =>
    new Set(person.groups.flatMap((group) => options.groupScopes[group] ?? []));
  const authorizations: URLSearchParams[] = [];
  const tokenRequests: Array<{ grantType: string; resource: string | null }> = [];
  const registrations: Array<Record<string, unknown>> = [];

  const http = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: [...OIDC_SCOPES, ...options.servers.flatMap((s) => [`${s}:read`, `${s}:write`, `${s}:approve`])],
    claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
    findAccount: (_ctx, id) => {
      const person = people.get(id);
      return person
        ? { accountId: id, claims: () => ({ sub: id, name: id, groups: [...person.groups] }) }
        : undefined;
    },
    // A registered `scope` would become an allow-list and block step-up (a host registers with the
    // scope of the first 401 challenge): like an enterprise IdP, what a client may get is decided per
    // person at consent, so the registered value is dropped.
    extraClientMetadata: {
      properties: ['mcp_host_note'],
      validator: (_ctx, key, _value, metadata) => {
        if (key === 'mcp_host_note') delete (metadata as { scope?: string }).scope;
      },
    },
    // Public clients (MCP hosts) get refresh tokens whenever they registered the grant.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
      IdToken: 3600,
      AccessToken: () => accessTokenTtl,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const resource = resources.get(indicator);
          if (!resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          const s = resource.server;
          return {
            scope: `${s}:read ${s}:write ${s}:approve`,
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.on(
    'registration_create.success',
    (_ctx: unknown, client: { metadata(): Record<string, unknown> }) => registrations.push(client.metadata()),
  );
  const callback = provider.callback();

  /** Sign-in and consent: the person grants what was asked and their groups allow, nothing more. */
  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const person = people.get(new URLSearchParams(await readBody(req)).get('person') ?? '');
    if (!person) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown person');
      return;
    }
    const clientId = String(details.params.client_id);
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const allowed = entitled(person);
    const grant = new provider.Grant({ accountId: person.id, clientId });
    // Server scopes are in the IdP's scope catalogue (clients may register with them), so the grant
    // lists them as granted or refused both for the client and for the resource the token is for.
    const granted = requested.filter((s) => OIDC_SCOPES.includes(s) || allowed.has(s));
    const refused = requested.filter((s) => !granted.includes(s));
    grant.addOIDCScope(granted.join(' '));
    if (refused.length > 0) grant.rejectOIDCScope(refused.join(' '));
    const indicators = details.params.resource;
    for (const indicator of Array.isArray(indicators) ? indicators : indicators ? [indicators] : []) {
      const resource = resources.get(String(indicator));
      if (!resource) continue;
      const asked = requested.filter((s) => s.startsWith(`${resource.server}:`));
      grant.addResourceScope(String(indicator), asked.filter((s) => allowed.has(s)).join(' '));
      const notEntitled = asked.filter((s) => !allowed.has(s));
      if (notEntitled.length > 0) grant.rejectResourceScope(String(indicator), notEntitled.join(' '));
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
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/auth') authorizations.push(url.searchParams);
    if (/^\/interaction\/[\w-]+$/.test(url.pathname) && req.method === 'POST') {
      interaction(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      // Peek at the form without consuming it for the provider: re-emit the body.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        tokenRequests.push({ grantType: form.get('grant_type') ?? '', resource: form.get('resource') });
      });
    }
    callback(req, res);
  });

  return {
    issuer,
    authorizations,
    tokenRequests,
    registrations,
    addResource: (resource) => resources.set(resource.uri, resource),
    setAccessTokenTtl: (seconds) => {
      accessTokenTtl = seconds;
    },
    async signIn(authorizationUrl, person) {
      const jar = new CookieJar();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        const interactionPage = url.origin === issuer && /^\/interaction\/[\w-]+$/.test(url.pathname);
        const response = await fetch(url, {
          redirect: 'manual',
          headers: {
            cookie: jar.header(),
            ...(interactionPage ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(interactionPage ? { method: 'POST', body: new URLSearchParams({ person }).toString() } : {}),
        });
        jar.store(response);
        const location = response.headers.get('location');
        await response.body?.cancel();
        if (location === null) throw new Error(`sign-in stopped at ${url} with HTTP ${response.status}`);
        url = new URL(location, url);
        if (url.origin !== issuer) return url;
      }
      throw new Error('sign-in did not reach the client redirect URI within 10 redirects');
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
