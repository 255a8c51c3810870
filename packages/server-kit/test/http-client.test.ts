import { ToolError } from '@mcp-platform/protocol';
import { type FakeUpstream, startFakeUpstream } from '@mcp-platform/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearerToken, createUpstreamClient, oauthTokenSource, type UpstreamCall } from '../src/index.ts';

const call = (signal = new AbortController().signal): UpstreamCall => ({ signal });

async function rejection(promise: Promise<unknown>): Promise<ToolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

describe('upstream HTTP client', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startFakeUpstream();
    fake.route('GET', '/api/items', (r) => ({ body: { items: [1, 2], query: r.query } }));
    fake.route('POST', '/api/items', (r) => ({ status: 201, body: { created: r.json } }));
    fake.route('GET', '/api/slow', () => new Promise(() => {}));
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const client = (extra: Partial<Parameters<typeof createUpstreamClient>[0]> = {}) =>
    createUpstreamClient({
      system: 'Fakeforce',
      baseUrl: `${fake.url}/api`,
      auth: bearerToken('static-token'),
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      ...extra,
    });

  it('sends the credential, the query and the trace context, and reads JSON', async () => {
    const body = await client().json<{ items: number[]; query: Record<string, string> }>(
      { operation: 'listItems', path: 'items', query: { q: "it's", limit: 2, skip: undefined } },
      {
        ...call(),
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        correlationId: 'req-42',
      },
    );
    expect(body).toEqual({ items: [1, 2], query: { q: "it's", limit: '2' } });
    const seen = fake.requests[0]!;
    expect(seen.headers.authorization).toBe('Bearer static-token');
    expect(seen.headers['x-request-id']).toBe('req-42');
    const traceparent = String(seen.headers.traceparent);
    expect(traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(traceparent).not.toContain('b7ad6b7169203331');
  });

  it('retries an idempotent request on 503 and 429, honouring Retry-After', async () => {
    fake.failNext(/\/api\/items/, { status: 503, body: 'busy' });
    fake.failNext(/\/api\/items/, { status: 429, headers: { 'retry-after': '0' } });
    const body = await client().json<{ items: number[] }>({ operation: 'listItems', path: 'items' }, call());
    expect(body.items).toEqual([1, 2]);
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a POST, and classifies the failure', async () => {
    fake.failNext(/\/api\/items/, { status: 503 });
    const error = await rejection(
      client().request({ operation: 'createItem', method: 'POST', path: 'items', json: { a: 1 } }, call()),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Fakeforce');
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up after the configured attempts', async () => {
    fake.failNext(/\/api\/items/, { status: 502 }, 10);
    const error = await rejection(
      client({ retry: { attempts: 2, baseDelayMs: 1 } }).json(
        { operation: 'listItems', path: 'items' },
        call(),
      ),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(fake.requests).toHaveLength(2);
  });

  it('fails as rate limited, with the wait, when Retry-After is longer than it may wait', async () => {
    fake.failNext(/\/api\/items/, { status: 429, headers: { 'retry-after': '120' } }, 3);
    const error = await rejection(client().json({ operation: 'listItems', path: 'items' }, call()));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details).toEqual({ retryAfterSeconds: 120 });
    expect(fake.requests).toHaveLength(1);
  });

  it('returns accepted statuses instead of throwing', async () => {
    const response = await client().request(
      { operation: 'getItem', path: 'nothing-here', accept: [404] },
      call(),
    );
    expect(response.status).toBe(404);
  });

  it('maps 404, 403 and 409 onto the registry codes', async () => {
    for (const [status, code] of [
      [404, 'NOT_FOUND'],
      [403, 'PERMISSION_DENIED'],
      [409, 'CONFLICT'],
      [400, 'VALIDATION_FAILED'],
    ] as const) {
      fake.failNext(/\/api\/items/, { status, body: { error: 'secret internals' } });
      const error = await rejection(client().json({ operation: 'listItems', path: 'items' }, call()));
      expect(error.code).toBe(code);
      expect(error.message).not.toContain('secret internals');
      expect(String((error.cause as { body?: string }).body)).toContain('secret internals');
    }
  });

  it('uses a vendor error reader before the generic classification', async () => {
    fake.failNext(/\/api\/items/, { status: 400, body: { error: { message: 'Invalid table' } } });
    const error = await rejection(
      client({
        describeError: (e) =>
          new ToolError('VALIDATION_FAILED', `vendor said: ${JSON.parse(e.body).error.message}`),
      }).json({ operation: 'listItems', path: 'items' }, call()),
    );
    expect(error.message).toBe('vendor said: Invalid table');
  });

  it('refuses to follow a next-page link to another origin', async () => {
    const error = await rejection(
      client().json({ operation: 'listItems', path: 'http://evil.example.com/api/items?page=2' }, call()),
    );
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toContain('another origin');
    const same = await client().json<{ items: number[] }>(
      { operation: 'listItems', path: `${fake.url}/api/items?page=2` },
      call(),
    );
    expect(same.items).toEqual([1, 2]);
  });

  it('aborts the upstream request when the call is cancelled: nothing stays in flight', async () => {
    const controller = new AbortController();
    const pending = client().json({ operation: 'slow', path: 'slow' }, call(controller.signal));
    await fake.waitForInFlight(1);
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    await fake.waitForInFlight(0);
    expect(fake.inFlight).toBe(0);
  });

  it('times out one attempt, retries it, then fails as TIMEOUT with nothing left running', async () => {
    const error = await rejection(
      client({ timeoutMs: 200, retry: { attempts: 2, baseDelayMs: 1 } }).json(
        { operation: 'slow', path: 'slow' },
        call(),
      ),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(fake.requests.filter((r) => r.path === '/api/slow')).toHaveLength(2);
    await fake.waitForInFlight(0);
  });

  it('classifies an unreachable upstream as UPSTREAM_UNAVAILABLE', async () => {
    const closed = await startFakeUpstream();
    const url = closed.url;
    await closed.close();
    const error = await rejection(
      createUpstreamClient({ system: 'Gone', baseUrl: url, retry: { attempts: 1 } }).json(
        { operation: 'ping', path: 'ping' },
        call(),
      ),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('records each operation with the observer', async () => {
    const seen: string[] = [];
    await client({
      observer: {
        observe: (operation, fn) => {
          seen.push(operation);
          return fn();
        },
      },
    }).json({ operation: 'listItems', path: 'items' }, call());
    expect(seen).toEqual(['listItems']);
  });
});

describe('upstream HTTP client with an OAuth token source', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startFakeUpstream({
      oauth: { path: '/oauth/token', clientId: 'id', clientSecret: 'secret', expiresIn: 3600 },
    });
    fake.route('GET', '/api/me', () => ({ body: { ok: true } }));
    fake.route('POST', '/api/things', () => ({ status: 201, body: { id: 1 } }));
  });
  afterAll(() => fake.close());

  it('refreshes an expired token once and repeats the request, even a POST', async () => {
    const client = createUpstreamClient({
      system: 'Fake',
      baseUrl: `${fake.url}/api`,
      auth: oauthTokenSource({
        system: 'Fake',
        tokenUrl: `${fake.url}/oauth/token`,
        grant: { type: 'client_credentials', clientId: 'id', clientSecret: 'secret' },
      }),
    });
    expect(await client.json({ operation: 'me', path: 'me' }, call())).toEqual({ ok: true });
    expect(fake.issuedTokens).toHaveLength(1);
    fake.expireTokens();
    expect(
      await client.json({ operation: 'create', method: 'POST', path: 'things', json: {} }, call()),
    ).toEqual({ id: 1 });
    expect(fake.issuedTokens).toHaveLength(2);
    expect(fake.requests.filter((r) => r.path === '/api/things')).toHaveLength(2);
  });

  it('fails as UPSTREAM_AUTH_FAILED when even the fresh token is refused', async () => {
    const client = createUpstreamClient({
      system: 'Fake',
      baseUrl: `${fake.url}/api`,
      auth: bearerToken('never-valid'),
    });
    const error = await rejection(client.json({ operation: 'me', path: 'me' }, call()));
    expect(error.code).toBe('UPSTREAM_AUTH_FAILED');
  });
});
