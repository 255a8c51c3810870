import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildApp,
  contextRecorder,
  initialize,
  initialized,
  listen,
  loadSdkV1SseClient,
  openRawStream,
  postJson,
  type RawStream,
  roundRobinProxy,
  SUBJECT_HEADER,
  slowCallProbe,
} from './support.ts';

const SUITE = 'legacy HTTP+SSE transport across replicas (Redis)';
const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) process.stderr.write(`SKIPPED ${SUITE}: set REDIS_URL (Redis 7+) to run it\n`);

const { Client, SSEClientTransport } = await loadSdkV1SseClient();

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe.skipIf(!REDIS_URL)(SUITE, () => {
  const prefix = `mcp:sse:test-${randomUUID()}:`;
  const connections: Redis[] = [];
  const probeA = slowCallProbe(4999);
  const probeCancel = slowCallProbe(4998);
  const recorder = contextRecorder();
  let redis: Redis;
  let appA: FastifyInstance;
  let appB: FastifyInstance;
  let a: string;
  let b: string;

  const sessionIdOf = (stream: RawStream) =>
    new URL(stream.endpoint ?? '', a).searchParams.get('sessionId') ?? '';
  const openOnA = async (headers: Record<string, string> = {}) => {
    const stream = await openRawStream(`${a}/sse`, headers);
    expect(stream.status).toBe(200);
    return stream;
  };

  beforeAll(async () => {
    const connect = () => {
      const connection = new Redis(REDIS_URL ?? '', { lazyConnect: false });
      connections.push(connection);
      return connection;
    };
    redis = connect();
    // Two replicas, each with its own Redis connection, as two processes would have.
    appA = await buildApp({
      redis: connect(),
      redisPrefix: prefix,
      keepAliveMs: 100,
      interceptors: [probeA.interceptor, probeCancel.interceptor, recorder.interceptor],
    });
    appB = await buildApp({ redis: connect(), redisPrefix: prefix, keepAliveMs: 100 });
    a = await listen(appA);
    b = await listen(appB);
  });

  afterAll(async () => {
    await Promise.all([appA?.close(), appB?.close()]);
    await Promise.all(connections.map((connection) => connection.quit()));
  });

  it('serves SDK v1 SSE clients through a round-robin proxy without a single failed request', async () => {
    const proxy = await roundRobinProxy([a, b]);
    try {
      const session = async (name: string) => {
        const client = new Client({ name, version: '1.0.0' });
        await client.connect(new SSEClientTransport(new URL(`${proxy.url}/sse`)));
        try {
          expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
            'echo',
            'fail',
            'crash',
            'slow',
          ]);
          for (let i = 0; i < 5; i++) {
            const text = `${name}-${i}`;
            const echoed = await client.callTool({ name: 'echo', arguments: { text } });
            expect(echoed.structuredContent).toEqual({ text, length: text.length });
          }
          const progress: number[] = [];
          const slow = await client.callTool(
            { name: 'slow', arguments: { steps: 3, delayMs: 1 } },
            undefined,
            {
              onprogress: (p) => progress.push(p.progress),
            },
          );
          expect(slow.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
          expect(progress[0]).toBe(1);
          const resource = await client.readResource({ uri: 'items://42' });
          expect(resource.contents).toEqual([
            { uri: 'items://42', mimeType: 'application/json', text: '{"id":"42"}' },
          ]);
          const prompt = await client.getPrompt({ name: 'greet', arguments: { who: name } });
          expect(prompt.messages).toEqual([
            { role: 'user', content: { type: 'text', text: `Say hello to ${name}` } },
          ]);
        } finally {
          await client.close();
        }
      };
      await Promise.all([session('first'), session('second')]);

      expect(proxy.requests.filter((r) => r.status === 0 || r.status >= 400)).toEqual([]);
      const posts = proxy.requests.filter((r) => r.method === 'POST');
      expect(posts.every((r) => r.status === 202)).toBe(true);
      expect(new Set(posts.map((r) => r.upstream))).toEqual(new Set([a, b]));
      expect(proxy.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('answers on the stream of one replica what was posted to the other', async () => {
    const stream = await openOnA();
    try {
      const onB = `${b}${stream.endpoint}`;
      expect((await postJson(onB, initialize('2024-11-05'))).status).toBe(202);
      expect(await stream.response(1)).toMatchObject({ result: { protocolVersion: '2024-11-05' } });
      expect((await postJson(onB, initialized)).status).toBe(202);
      expect((await postJson(onB, { jsonrpc: '2.0', id: 2, method: 'prompts/list' })).status).toBe(202);
      expect(await stream.response(2)).toMatchObject({ result: { prompts: [{ name: 'greet' }] } });

      const call = { name: 'echo', arguments: { text: 'relayed' } };
      await postJson(
        onB,
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: call },
        { 'x-request-id': 'corr-relay-1' },
      );
      expect(await stream.response(3)).toMatchObject({ result: { structuredContent: { text: 'relayed' } } });
      expect(recorder.calls.find((c) => c.correlationId === 'corr-relay-1')).toMatchObject({
        subject: 'anonymous',
        client: { era: '2024-sse', protocolVersion: '2024-11-05' },
      });
    } finally {
      stream.close();
    }
  });

  it('keeps a session record any replica can check, refreshed by keep-alives and removed on close', async () => {
    const stream = await openOnA({ [SUBJECT_HEADER]: 'carol' });
    const key = `${prefix}session:${sessionIdOf(stream)}`;
    const record = JSON.parse((await redis.get(key)) ?? 'null') as { owner: string; createdAt: number };
    expect(record.owner).toBe('carol');
    expect(typeof record.createdAt).toBe('number');
    expect(await redis.pttl(key)).toBeGreaterThan(0);

    // A lost record (e.g. a Redis restart) comes back with the next keep-alive.
    await redis.del(key);
    await eventually(
      async () => (await redis.exists(key)) === 1,
      'the keep-alive restores the session record',
    );
    await stream.comment('keep-alive');

    stream.close();
    await eventually(async () => (await redis.exists(key)) === 0, 'the session record is removed on close');
    const after = await postJson(`${b}${stream.endpoint}`, initialize('2024-11-05'), {
      [SUBJECT_HEADER]: 'carol',
    });
    expect(after.status).toBe(404);
  });

  it('refuses, on any replica, unknown sessions and callers other than the owner', async () => {
    const unknown = await postJson(`${b}/messages?sessionId=${randomUUID()}`, initialize('2024-11-05'));
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: -32001 } });
    expect((unknown.json().error as { message: string }).message).toContain('reconnect to /sse');

    const stream = await openOnA({ [SUBJECT_HEADER]: 'dave' });
    try {
      const intruder = await postJson(`${b}${stream.endpoint}`, initialize('2024-11-05'), {
        [SUBJECT_HEADER]: 'eve',
      });
      expect(intruder.status).toBe(403);
      expect(
        (await postJson(`${b}${stream.endpoint}`, initialize('2024-11-05'), { [SUBJECT_HEADER]: 'dave' }))
          .status,
      ).toBe(202);
      await stream.response(1);
    } finally {
      stream.close();
    }
  });

  it('answers 404 when the record outlives the replica that held the stream', async () => {
    const orphan = randomUUID();
    await redis.set(
      `${prefix}session:${orphan}`,
      JSON.stringify({ owner: 'anonymous', createdAt: Date.now() }),
      'PX',
      60_000,
    );
    const response = await postJson(`${b}/messages?sessionId=${orphan}`, initialize('2024-11-05'));
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('aborts a call posted to one replica when its stream on the other closes', async () => {
    const stream = await openOnA();
    const onB = `${b}${stream.endpoint}`;
    await postJson(onB, initialize('2024-11-05'));
    await stream.response(1);
    await postJson(onB, initialized);
    const call = { name: 'slow', arguments: { steps: 20, delayMs: 4999 } };
    expect((await postJson(onB, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: call })).status).toBe(
      202,
    );
    await probeA.started;
    stream.close();
    expect(String(await probeA.aborted)).toMatch(/stream closed/);
  });

  it('keeps the order of messages posted alternately to both replicas (cancellation follows its call)', async () => {
    const stream = await openOnA();
    try {
      const targets = [`${a}${stream.endpoint}`, `${b}${stream.endpoint}`];
      await postJson(targets[1] as string, initialize('2024-11-05'));
      await stream.response(1);
      await postJson(targets[0] as string, initialized);
      const call = { name: 'slow', arguments: { steps: 20, delayMs: 4998 } };
      await postJson(targets[1] as string, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: call });
      await postJson(targets[0] as string, {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 7, reason: 'user changed their mind' },
      });
      await probeCancel.started;
      await probeCancel.aborted;
      // The stream stays usable after the cancellation.
      await postJson(targets[1] as string, { jsonrpc: '2.0', id: 8, method: 'ping' });
      expect(await stream.response(8)).toMatchObject({ result: {} });
    } finally {
      stream.close();
    }
  });
});
