import { randomUUID } from 'node:crypto';
import {
  describeWithRedis,
  listen,
  type ProxiedRequest,
  type RoundRobinProxy,
  roundRobinProxy,
} from '@mcp-platform/test-support';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as HttpTransportV2,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as HttpTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptV1, adaptV2 } from './adapters.ts';
import { type ClientUnderTest, type ExerciseOptions, exercise } from './exercise.ts';
import { buildInteropServer, type ObservedCall } from './interop-server.ts';

// Two replicas of a server built from the package behind a proxy that alternates upstreams on every
// request (no stickiness). Each client runs a series of sessions through it; not a single request
// may fail, and both replicas must have served each client.

const SESSIONS = 3;

/** Runs `SESSIONS` exercise sessions plus a burst of concurrent calls; returns the calls made. */
async function series(client: ClientUnderTest, options: ExerciseOptions = {}): Promise<number> {
  let calls = 0;
  for (let i = 0; i < SESSIONS; i++) calls += await exercise(client, options);
  const burst = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      client.callTool('lookup_order', { orderId: i % 2 ? 'A-1001' : 'A-1002' }),
    ),
  );
  for (const result of burst) expect(result.isError).toBeFalsy();
  return calls + burst.length;
}

/**
 * A request failed when it got no answer or a 4xx/5xx, except the optional standalone `GET /mcp`
 * stream of 2025-era clients: a stateless server declines it with 405, as the spec provides, and the
 * client carries on without it.
 */
function expectNoFailedRequest(proxy: RoundRobinProxy, label: string): void {
  const declinedStream = (r: ProxiedRequest) => r.method === 'GET' && r.url === '/mcp' && r.status === 405;
  const failed = proxy.requests.filter((r) => (r.status === 0 || r.status >= 400) && !declinedStream(r));
  expect(failed, `${label}: failed requests through the proxy`).toEqual([]);
  const counts = Object.values(proxy.countsByUpstream());
  expect(
    counts.every((n) => n > 0),
    `${label}: both replicas served requests ${JSON.stringify(counts)}`,
  ).toBe(true);
}

describe('two replicas behind a round-robin proxy (Streamable HTTP)', () => {
  const replicas: FastifyInstance[] = [];
  const observed: ObservedCall[][] = [[], []];
  let upstreams: string[];
  let proxy: RoundRobinProxy;

  beforeAll(async () => {
    for (const i of [0, 1])
      replicas.push(await buildInteropServer({ onCall: (call) => observed[i]!.push(call) }));
    upstreams = await Promise.all(replicas.map((app) => listen(app)));
  });
  afterEach(async () => {
    await proxy?.close();
    observed[0]!.length = 0;
    observed[1]!.length = 0;
  });
  afterAll(async () => {
    await Promise.all(replicas.map((app) => app.close()));
  });

  it('serves a 2026-07-28 client (SDK v2) without a failed request', async () => {
    proxy = await roundRobinProxy(upstreams);
    const client = new ClientV2(
      { name: 'replicas-2026', version: '1' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new HttpTransportV2(new URL(`${proxy.url}/mcp`)));
    const calls = await series(adaptV2(client));
    await client.close();
    expectNoFailedRequest(proxy, '2026 client');
    expect(calls).toBe(SESSIONS * 7 + 10);
    expect(proxy.requests.length).toBeGreaterThanOrEqual(calls);
    for (const replica of observed) expect(replica.some((c) => c.era === '2026')).toBe(true);
  });

  it('serves a 2025-era client (SDK v1 Streamable HTTP) without a failed request', async () => {
    proxy = await roundRobinProxy(upstreams);
    const client = new ClientV1({ name: 'replicas-2025', version: '1' });
    const transport = new HttpTransportV1(new URL(`${proxy.url}/mcp`));
    await client.connect(transport);
    // The session id is a signed, self-contained record any replica verifies: no stickiness needed.
    expect(transport.sessionId).toMatch(/^v1\./);
    const calls = await series(adaptV1(client));
    await client.close();
    expectNoFailedRequest(proxy, '2025 client');
    // initialize + notifications/initialized, then one POST per call.
    expect(proxy.requests.filter((r) => r.method === 'POST').length).toBeGreaterThanOrEqual(calls + 2);
    for (const replica of observed) expect(replica.some((c) => c.era === '2025')).toBe(true);
  });
});

describeWithRedis('two replicas behind a round-robin proxy (legacy HTTP+SSE over Redis)', (redisUrl) => {
  const replicas: FastifyInstance[] = [];
  const connections: Redis[] = [];
  let upstreams: string[];
  let proxy: RoundRobinProxy;

  beforeAll(async () => {
    const redisPrefix = `mcp:sse:replicas-test-${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(redisUrl);
      connections.push(redis);
      replicas.push(await buildInteropServer({ redis, redisPrefix }));
    }
    upstreams = await Promise.all(replicas.map((app) => listen(app)));
  });
  afterAll(async () => {
    await proxy?.close();
    await Promise.all(replicas.map((app) => app.close()));
    for (const redis of connections) redis.disconnect();
  });

  it('serves a legacy SSE client (SDK v1 SSEClientTransport) without a failed request', async () => {
    proxy = await roundRobinProxy(upstreams);
    const client = new ClientV1({ name: 'replicas-sse', version: '1' });
    await client.connect(new SSEClientTransport(new URL(`${proxy.url}/sse`)));
    const calls = await series(adaptV1(client), { finalProgressMayBeDropped: true });
    await client.close();
    expectNoFailedRequest(proxy, 'legacy SSE client');
    const posts = proxy.requests.filter((r) => r.method === 'POST');
    // The stream lives on one replica; the POSTs alternate, so half of them crossed over via Redis.
    expect(new Set(posts.map((r) => r.upstream)).size).toBe(2);
    expect(posts.length).toBeGreaterThanOrEqual(calls + 2);
    expect(proxy.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });
});
