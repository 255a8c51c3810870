import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RoundRobinProxy, roundRobinProxy } from '../src/index.ts';

describe('roundRobinProxy', () => {
  const apps = [Fastify(), Fastify()];
  let proxy: RoundRobinProxy;
  let upstreams: string[];

  beforeAll(async () => {
    apps.forEach((app, i) => {
      app.post('/echo', async (request) => ({ replica: i, body: request.body }));
      app.get('/stream', (_request, reply) => {
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
        reply.raw.write(`data: first from ${i}\n\n`);
        setTimeout(() => reply.raw.end(`data: second from ${i}\n\n`), 50);
        return reply;
      });
    });
    upstreams = await Promise.all(apps.map((app) => listen(app)));
    proxy = await roundRobinProxy(upstreams);
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(apps.map((app) => app.close()));
  });

  it('alternates upstreams per request and forwards bodies', async () => {
    const replicas: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${proxy.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: i }),
      });
      const json = (await res.json()) as { replica: number; body: unknown };
      expect(json.body).toEqual({ n: i });
      replicas.push(json.replica);
    }
    expect(replicas).toEqual([0, 1, 0, 1]);
    expect(proxy.countsByUpstream()).toEqual({ [upstreams[0]!]: 2, [upstreams[1]!]: 2 });
  });

  it('streams a response as it is written, and shows it to the tap', async () => {
    const tapped: string[] = [];
    const tapping = await roundRobinProxy([upstreams[0]!], {
      tap: (_r, chunk) => tapped.push(chunk.toString()),
    });
    const res = await fetch(`${tapping.url}/stream`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: first from \d/);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toMatch(/data: second from \d/);
    expect(tapped.join('')).toBe(`${first}${rest}`);
    await tapping.close();
  });

  it('answers 502 when the upstream is down', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const { port } = dead.address() as AddressInfo;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const lonely = await roundRobinProxy([`http://127.0.0.1:${port}`]);
    try {
      const res = await fetch(`${lonely.url}/echo`);
      expect(res.status).toBe(502);
      expect(lonely.requests[0]?.status).toBe(502);
    } finally {
      await lonely.close();
    }
  });
});
