import { Agent, request as httpRequest } from 'node:http';
import type { ServerProcess } from '@mcp-platform/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeFeature } from '../src/feature.ts';
import type { RuntimeServer } from '../src/server.ts';
import { handled, openGate } from './fixtures.ts';
import { resultOf, rpc, testServer } from './helpers.ts';
import { serveFixture } from './support/serve-process.ts';
import { waitFor } from './support/throwaway-redis.ts';

function recorder(closed: string[]): RuntimeFeature[] {
  const feature = (name: string, stage?: RuntimeFeature['stage']): RuntimeFeature => ({
    name,
    ...(stage === undefined ? {} : { stage }),
    close: async () => {
      closed.push(name);
    },
  });
  return [
    feature('audit'),
    feature('domain-backend'),
    feature('approvals'),
    feature('extra-observer', 'observe'),
  ];
}

describe('health and readiness', () => {
  let server: RuntimeServer | undefined;
  afterEach(async () => {
    await server?.app.close();
    server = undefined;
  });

  it('reports every check, and 503 with the failing detail', async () => {
    let backendUp = true;
    server = await testServer(
      {},
      {
        readyTimeoutMs: 200,
        backendChecks: {
          crm: async () => (backendUp ? { ok: true } : { ok: false, detail: 'crm: connection refused' }),
          slow: () => new Promise(() => {}),
        },
      },
    );
    const res = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { crm: { ok: true }, slow: { ok: false, detail: 'no answer within 200 ms' } },
    });
    await server.app.close();

    server = await testServer(
      {},
      {
        readyCacheMs: 0,
        backendChecks: {
          crm: async () => (backendUp ? { ok: true } : { ok: false, detail: 'crm: connection refused' }),
        },
      },
    );
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    backendUp = false;
    const down = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.crm).toEqual({ ok: false, detail: 'crm: connection refused' });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});

describe('graceful shutdown (driven in-process)', () => {
  it('drains: readiness 503 at once, new calls still served and new event streams refused, in-flight calls finish, then features close in order', async () => {
    const closed: string[] = [];
    const server = await testServer({}, { features: recorder(closed) });
    handled.length = 0;
    const inflight = rpc(server.app, 'tools/call', { name: 'gated', arguments: {} });
    await waitFor(() => handled.includes('gated'), 'the gated call to start');

    const stopped = server.shutdown(30_000);
    expect(server.lifecycle.isDraining).toBe(true);
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'draining',
    });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // A call that reaches the pod before its load balancer noticed the drain is answered, not refused.
    const late = await rpc(server.app, 'tools/call', {
      name: 'search_accounts',
      arguments: { query: 'late' },
    });
    expect(late.status).toBe(200);
    expect(resultOf(late.body).structuredContent).toEqual({ ids: ['acc-late'] });
    // A new event stream would only be cut when the server stops: refused, to be reopened elsewhere.
    const stream = await server.app.inject({
      method: 'GET',
      url: '/mcp',
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    });
    expect(stream.statusCode).toBe(503);
    expect(stream.headers['retry-after']).toBe('1');
    expect(stream.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { retryAfterSeconds: 1 } },
    });
    expect(String(stream.json().error.message)).toMatch(/shutting down; reopen the stream/);
    expect(handled).toEqual(['gated', 'search_accounts']);
    expect(closed).toEqual([]);

    openGate();
    const done = await inflight;
    expect(resultOf(done.body).content).toEqual([{ type: 'text', text: 'gate opened' }]);
    await stopped;
    // Innermost stage first, the audit trail last (it records what the others did while closing).
    expect(closed).toEqual(['domain-backend', 'approvals', 'extra-observer', 'audit']);
  });

  it('aborts calls still running when the grace period ends; they answer UNAVAILABLE', async () => {
    const server = await testServer();
    handled.length = 0;
    const inflight = rpc(server.app, 'tools/call', { name: 'gated', arguments: {} });
    await waitFor(() => handled.includes('gated'), 'the gated call to start');
    await server.shutdown(50);
    const res = await inflight;
    expect(resultOf(res.body)).toMatchObject({
      isError: true,
      structuredContent: { code: 'UNAVAILABLE', retryable: true },
    });
  });
});

interface Answer {
  status: number;
  connection: string | undefined;
  socket: number;
  body: Record<string, unknown>;
}

/** One JSON-RPC POST over `agent` (node:http, so the test sees which connection carried it). */
function postOn(
  agent: Agent,
  url: string,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/mcp`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          ...headers,
        },
      },
      (response) => {
        // Read now: at 'end' the socket is back in the agent's pool.
        const socket = response.socket.localPort ?? 0;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const data =
            text.startsWith('event:') || text.startsWith('data:')
              ? (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6)
              : text;
          resolve({
            status: response.statusCode ?? 0,
            connection: response.headers.connection,
            socket,
            body: data === '' ? {} : (JSON.parse(data) as Record<string, unknown>),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }));
  });
}

/**
 * A client on one kept-alive connection (a new one only when the server asks for it) calling in a
 * loop; every error or non-result answer is a failure.
 */
function keepAliveClient(url: string, pauseMs: number, message: (n: number) => Record<string, unknown>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      try {
        const answer = await postOn(agent, url, message(n));
        if (answer.status !== 200 || !('result' in answer.body)) {
          failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
        }
        answers.push(answer);
      } catch (error) {
        failures.push(String(error));
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    answers,
    failures,
    closes: () => answers.filter((a) => a.connection === 'close').length,
    async stop() {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

describe('graceful shutdown of a real process on SIGTERM', () => {
  let served: ServerProcess | undefined;
  afterEach(() => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('keeps answering kept-alive clients while draining (Connection: close), finishes the in-flight call, closes quiet connections, exits 0', async () => {
    served = await serveFixture({
      AUDIT_ENABLED: 'false',
      DATABASE_URL: '',
      RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_GRACE_MS: '30000',
    });
    const { child, url, exited, lines, fetch: request } = served;

    // A call held in flight by the gate keeps the drain open while the clients keep calling.
    const inflight = postOn(new Agent(), url, {
      method: 'tools/call',
      params: { name: 'gated', arguments: {} },
    });
    await waitFor(async () => {
      const text = await (await request('/metrics')).text();
      return /^mcp_inflight_calls\{server="acme"\} 1$/m.test(text);
    }, 'the gated call to be in flight');

    const search = (n: number) => ({
      method: 'tools/call',
      params: { name: 'search_accounts', arguments: { query: `q${n}` } },
    });
    const list = () => ({ method: 'tools/list', params: {} });
    const clients = [
      keepAliveClient(url, 5, list),
      keepAliveClient(url, 5, search),
      keepAliveClient(url, 5, (n) => (n % 2 === 0 ? list() : search(n))),
      // Pauses well below the drain's quiet time: its connection is idle most of the time.
      keepAliveClient(url, 300, search),
    ];
    const reused = (c: (typeof clients)[number]) =>
      c.answers.length >= 3 && c.answers.every((a) => a.socket === c.answers[0]!.socket);
    await waitFor(() => clients.every(reused), 'every client to call on its kept-alive connection');
    // And one that called once and then stays idle: the drain closes its connection.
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await postOn(idle, url, list())).connection).toBe('keep-alive');
    const before = clients.map((c) => c.answers.length);

    child.kill('SIGTERM');
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('draining')), 'the drain to start');
    expect((await request('/readyz')).status).toBe(503);
    // An answer of an early hook (the browser guard refusing a foreign Origin) says it too.
    const refused = await postOn(new Agent({ keepAlive: true }), url, list(), {
      origin: 'https://evil.example',
    });
    expect(refused.status).toBe(403);
    expect(refused.connection).toBe('close');
    // Each client gets answers while the pod drains: first on its old connection, told to close it,
    // then on new ones (as a load balancer that has not noticed yet would open), each told the same.
    await waitFor(
      () => clients.every((c) => c.closes() >= 3),
      'every client to be answered while draining',
      20_000,
    );
    await Promise.all(clients.map((c) => c.stop()));

    for (const [i, client] of clients.entries()) {
      expect(client.failures, `client ${i}`).toEqual([]);
      const first = client.answers.findIndex((a) => a.connection === 'close');
      expect(first, `client ${i}: answers before the drain`).toBeGreaterThanOrEqual(before[i]!);
      // The first answer of the drain came on the connection the client had kept alive all along.
      expect(client.answers[first]!.socket).toBe(client.answers[0]!.socket);
      expect(client.answers.slice(first).every((a) => a.connection === 'close')).toBe(true);
    }

    child.kill('SIGUSR2'); // opens the gate
    const response = await inflight;
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).toContain('gate opened');
    expect(await exited).toBe(0);
    idle.destroy();
    // The idle client's connection at least was closed by the drain, and none was left for the exit.
    const drained = lines.find((l) => l.msg === 'drained: connections closed once quiet');
    expect(drained?.left).toBe(0);
    expect(Number(drained?.closed)).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => l.msg === 'server closed')).toBe(true);
  }, 90_000);
});
