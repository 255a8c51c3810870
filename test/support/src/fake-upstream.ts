import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One fake upstream for tests: a real HTTP server on 127.0.0.1 (port 0) that a vendor fake
 * (Salesforce, ServiceNow, SAP, Confluence, an embeddings endpoint) fills with routes speaking the
 * vendor's wire format. The harness does what every fake needs: records requests, scripts failures
 * (`failNext`), holds requests open (`hang`), issues and expires OAuth tokens, and shows which
 * requests are still in flight, so a test can assert that a cancelled call left nothing running.
 */
export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Raw body text. */
  body: string;
  /** The body parsed as JSON (or as a form into an object), when it is one. */
  json?: unknown;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string. */
  body?: unknown;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeOAuthOptions {
  /** Token endpoint path, e.g. `/services/oauth2/token`. */
  path: string;
  /** Accepted client id/secret (client credentials and password grants), checked when set. */
  clientId?: string;
  clientSecret?: string;
  /** Extra fields of every token response (`instance_url`, ...). */
  fields?: Record<string, unknown>;
  /** `expires_in` of issued tokens (omitted when undefined, like Salesforce). */
  expiresIn?: number;
  /** Checks an assertion (JWT bearer grant); returns whether it is acceptable. */
  verifyAssertion?: (assertion: string) => boolean;
  /** The 401 answer for an API request without a valid token (default `{error:'invalid_token'}`). */
  unauthorized?: FakeResponse;
}

export interface FakeUpstreamOptions {
  /** Built-in token endpoint; with it every other route requires one of its bearer tokens. */
  oauth?: FakeOAuthOptions;
}

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Every request received, in order (token requests included). */
  readonly requests: FakeRequest[];
  /** Adds a route: `path` is exact, or a RegExp tested against the path. Later routes win. */
  route(method: string, path: string | RegExp, handler: FakeHandler): void;
  /** The next `count` requests whose path matches get `response` instead of their route's answer. */
  failNext(match: RegExp, response: FakeResponse, count?: number): void;
  /** Requests whose path matches are held open, never answered, until `release()` or `close()`. */
  hang(match: RegExp): void;
  /** Stops hanging (held requests stay held until their client goes or `close()`). */
  release(): void;
  /** Requests received whose answer has not been sent and whose client is still connected. */
  readonly inFlight: number;
  /** Resolves once `inFlight` is `count` (rejects after `timeoutMs`, default 10 s). */
  waitForInFlight(count: number, timeoutMs?: number): Promise<void>;
  /** Tokens the token endpoint issued, in order. */
  readonly issuedTokens: readonly string[];
  /** Every token issued so far stops working (the next API request gets 401). */
  expireTokens(): void;
  /** Forgets recorded requests, scripted failures and hangs. */
  reset(): void;
  close(): Promise<void>;
}

function parseBody(text: string, type: string | undefined): unknown {
  if (text === '') return undefined;
  if (type?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const routes: Array<{ method: string; path: string | RegExp; handler: FakeHandler }> = [];
  const requests: FakeRequest[] = [];
  const failures: Array<{ match: RegExp; response: FakeResponse; left: number }> = [];
  const hangs: RegExp[] = [];
  const held = new Set<http.ServerResponse>();
  const open = new Set<http.ServerResponse>();
  const waiters = new Set<() => void>();
  const valid = new Set<string>();
  const issued: string[] = [];
  const oauth = options.oauth;

  const changed = () => {
    for (const waiter of waiters) waiter();
  };

  const send = (res: http.ServerResponse, answer: FakeResponse) => {
    const body = answer.body;
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(answer.status ?? 200, {
      ...(typeof body === 'string' || body === undefined ? {} : { 'content-type': 'application/json' }),
      ...answer.headers,
    });
    res.end(text);
  };

  const tokenEndpoint = (request: FakeRequest): FakeResponse => {
    const form = (request.json ?? {}) as Record<string, string>;
    const basic = request.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(request.headers.authorization.slice(6), 'base64')
          .toString()
          .split(':')
          .map(decodeURIComponent)
      : undefined;
    const clientId = form.client_id ?? basic?.[0];
    const clientSecret = form.client_secret ?? basic?.[1];
    const grant = form.grant_type;
    let ok = false;
    if (grant === 'client_credentials' || grant === 'password') {
      ok =
        (oauth?.clientId === undefined || clientId === oauth.clientId) &&
        (oauth?.clientSecret === undefined || clientSecret === oauth.clientSecret);
    } else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      ok = typeof form.assertion === 'string' && (oauth?.verifyAssertion?.(form.assertion) ?? true);
    }
    if (!ok)
      return { status: 400, body: { error: 'invalid_grant', error_description: 'authentication failure' } };
    const token = `fake-${randomBytes(12).toString('hex')}`;
    valid.add(token);
    issued.push(token);
    return {
      body: {
        access_token: token,
        token_type: 'Bearer',
        ...(oauth?.expiresIn === undefined ? {} : { expires_in: oauth.expiresIn }),
        ...oauth?.fields,
      },
    };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text,
      json: parseBody(text, req.headers['content-type']),
    };
    requests.push(request);
    if (oauth !== undefined && request.method === 'POST' && request.path === oauth.path) {
      return send(res, tokenEndpoint(request));
    }
    const failure = failures.find((f) => f.left > 0 && f.match.test(request.path));
    if (failure) {
      failure.left--;
      return send(res, failure.response);
    }
    if (hangs.some((h) => h.test(request.path))) {
      held.add(res);
      return;
    }
    if (oauth !== undefined) {
      const auth = request.headers.authorization;
      if (!auth?.startsWith('Bearer ') || !valid.has(auth.slice(7))) {
        return send(res, oauth.unauthorized ?? { status: 401, body: { error: 'invalid_token' } });
      }
    }
    const route = [...routes]
      .reverse()
      .find(
        (r) =>
          r.method === request.method &&
          (typeof r.path === 'string' ? r.path === request.path : r.path.test(request.path)),
      );
    if (!route)
      return send(res, {
        status: 404,
        body: { error: `no fake route for ${request.method} ${request.path}` },
      });
    send(res, await route.handler(request));
  };

  const server = http.createServer((req, res) => {
    open.add(res);
    changed();
    const done = () => {
      if (open.delete(res)) changed();
      held.delete(res);
    };
    res.on('finish', done);
    res.on('close', done);
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: String(error) } });
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route(method, path, handler) {
      routes.push({ method: method.toUpperCase(), path, handler });
    },
    failNext(match, response, count = 1) {
      failures.push({ match, response, left: count });
    },
    hang(match) {
      hangs.push(match);
    },
    release() {
      hangs.length = 0;
    },
    get inFlight() {
      return open.size;
    },
    waitForInFlight(count, timeoutMs = 10_000) {
      if (open.size === count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `fake upstream: ${open.size} requests in flight, expected ${count} (waited ${timeoutMs} ms)`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          if (open.size !== count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    get issuedTokens() {
      return issued;
    },
    expireTokens() {
      valid.clear();
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
      hangs.length = 0;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
