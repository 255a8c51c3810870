import { createHash, randomBytes } from 'node:crypto';
import { describeWithRedis } from '@mcp-platform/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../../src/server.ts';
import { bearer, logCapture, resultOf, rpc, testServer } from '../helpers.ts';
import { ThrowawayRedis, waitFor } from '../support/throwaway-redis.ts';

interface Principal {
  name: string;
  secret: string;
}

/** Fresh principals (static service tokens) so Redis keys never collide across tests or runs. */
function principals(count: number): { list: Principal[]; env: Record<string, string> } {
  const list = Array.from({ length: count }, () => ({
    name: `p-${randomBytes(6).toString('hex')}`,
    secret: randomBytes(24).toString('hex'),
  }));
  const entries = list.map(
    (p) => `${p.name}:${createHash('sha256').update(p.secret).digest('hex')}:acme:read acme:write`,
  );
  return {
    list,
    env: { AUTH_MODE: 'oauth', OAUTH_ISSUER: 'http://issuer.invalid', SERVICE_TOKENS: entries.join(',') },
  };
}

async function callLimited(server: RuntimeServer, who: Principal, name = 'limited') {
  const res = await rpc(server.app, 'tools/call', { name, arguments: {} }, bearer(who.secret));
  expect(res.status).toBe(200);
  return resultOf(res.body);
}

async function metricValue(server: RuntimeServer, name: string): Promise<number> {
  const metric = await server.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('rate limits per principal and tool (per-process, no Redis)', () => {
  it('refuses the call over the limit with RATE_LIMITED, retry-after and a hint', async () => {
    const { list, env } = principals(2);
    const server = await testServer(env);
    try {
      const [alice, bob] = list as [Principal, Principal];
      expect((await callLimited(server, alice)).isError).toBeUndefined();
      expect((await callLimited(server, alice)).isError).toBeUndefined();
      const refused = await callLimited(server, alice);
      expect(refused.isError).toBe(true);
      const content = refused.structuredContent as Record<string, unknown>;
      expect(content).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limitPerMinute: 2 });
      expect(content.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(content.retryAfterSeconds).toBeLessThanOrEqual(120);
      expect(String(content.hint)).toMatch(/^Wait \d+ seconds before calling limited again/);
      // Another principal, and another tool of the same principal, have their own budgets.
      expect((await callLimited(server, bob)).isError).toBeUndefined();
      expect((await callLimited(server, alice, 'failing')).structuredContent).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await metricValue(server, 'mcp_rate_limited_total')).toBe(1);
    } finally {
      await server.app.close();
    }
  });

  it('lets operator overrides win over the definition and the default', async () => {
    const { list, env } = principals(1);
    const server = await testServer({
      ...env,
      RATE_LIMIT_OVERRIDES: 'limited=1',
      RATE_LIMIT_PER_MINUTE: '1',
    });
    try {
      const [carol] = list as [Principal];
      expect((await callLimited(server, carol)).isError).toBeUndefined();
      expect((await callLimited(server, carol)).structuredContent).toMatchObject({
        code: 'RATE_LIMITED',
        limitPerMinute: 1,
      });
      // The default (1/min) applies to tools without their own limit...
      expect((await callLimited(server, carol, 'failing')).structuredContent).toMatchObject({
        code: 'NOT_FOUND',
      });
      expect((await callLimited(server, carol, 'failing')).structuredContent).toMatchObject({
        code: 'RATE_LIMITED',
      });
      // ...and `wait` declares 0: unlimited.
      for (let i = 0; i < 3; i++) {
        const res = await rpc(
          server.app,
          'tools/call',
          { name: 'wait', arguments: { ms: 0 } },
          bearer(carol.secret),
        );
        expect(resultOf(res.body).isError).toBeUndefined();
      }
    } finally {
      await server.app.close();
    }
  });
});

describeWithRedis('rate limits shared through Redis', (redisUrl) => {
  it('counts calls of one principal across replicas', async () => {
    const { list, env } = principals(1);
    const a = await testServer({ ...env, REDIS_URL: redisUrl });
    const b = await testServer({ ...env, REDIS_URL: redisUrl });
    try {
      const [dave] = list as [Principal];
      await waitFor(() => a.redis?.status === 'ready' && b.redis?.status === 'ready', 'redis connections');
      expect((await callLimited(a, dave)).isError).toBeUndefined();
      expect((await callLimited(b, dave)).isError).toBeUndefined();
      expect((await callLimited(a, dave)).structuredContent).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await callLimited(b, dave)).structuredContent).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await metricValue(a, 'mcp_rate_limit_fallback_total')).toBe(0);
      const keys = await a.redis!.keys(`rl:{acme:limited:service%3A${dave.name}}:*`);
      expect(keys).toHaveLength(1);
      expect(await a.redis!.pttl(keys[0] as string)).toBeGreaterThan(60_000);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});

describe('rate limits when Redis goes down', () => {
  let redis: ThrowawayRedis;
  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  it('falls back to a per-process limiter, counts it, logs once, and recovers', async () => {
    const { list, env } = principals(2);
    const logs = logCapture();
    const server = await testServer(
      { ...env, REDIS_URL: redis.url, LOG_LEVEL: 'info' },
      { logStream: logs.stream },
    );
    const probe = new Redis(redis.url);
    try {
      const [erin, frank] = list as [Principal, Principal];
      await waitFor(() => server.redis?.status === 'ready', 'redis connection');
      expect((await callLimited(server, erin)).isError).toBeUndefined();
      expect(await probe.keys(`rl:*${erin.name}*`)).toHaveLength(1);
      probe.disconnect();

      await redis.kill();
      // Calls keep working and the limit is still enforced, now by this process alone.
      expect((await callLimited(server, frank)).isError).toBeUndefined();
      expect((await callLimited(server, frank)).isError).toBeUndefined();
      expect((await callLimited(server, frank)).structuredContent).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await callLimited(server, erin)).isError).toBeUndefined();
      expect(await metricValue(server, 'mcp_rate_limit_fallback_total')).toBe(4);
      const outage = logs.lines.filter(
        (l) => l.msg === 'Redis unavailable: rate limits are enforced per process until it is back',
      );
      expect(outage).toHaveLength(1);
      expect(outage[0]?.level).toBe(40);
      // Readiness stays green: losing Redis degrades rate limiting, it does not take the pod out.
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect((ready.json() as { checks: Record<string, { detail?: string }> }).checks.redis?.detail).toMatch(
        /rate limits enforced per process/,
      );

      await redis.start();
      await waitFor(() => server.redis?.status === 'ready', 'redis reconnect');
      const fallbacks = await metricValue(server, 'mcp_rate_limit_fallback_total');
      const back = await rpc(
        server.app,
        'tools/call',
        { name: 'search_accounts', arguments: { query: 'x' } },
        bearer(frank.secret),
      );
      expect(resultOf(back.body).isError).toBeUndefined();
      expect(await metricValue(server, 'mcp_rate_limit_fallback_total')).toBe(fallbacks);
      expect(
        logs.lines.filter(
          (l) => l.msg === 'Redis reachable again: rate limits are shared across replicas again',
        ),
      ).toHaveLength(1);
      const again = new Redis(redis.url);
      expect(await again.keys(`rl:*search_accounts*${frank.name}*`)).toHaveLength(1);
      again.disconnect();
    } finally {
      probe.disconnect();
      await server.app.close();
    }
  });
});
