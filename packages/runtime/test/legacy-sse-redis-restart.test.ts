import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../src/server.ts';
import { logCapture, testServer } from './helpers.ts';
import { ThrowawayRedis, waitFor } from './support/throwaway-redis.ts';

/**
 * Legacy SSE sessions across a Redis outage and a restart without persistence, with two replicas:
 * A holds the stream, B receives POSTs. During the outage B refuses (503) and logs that once; A
 * still serves its own stream; once Redis is back (empty), A re-publishes its session record, so B
 * accepts the session again without waiting for a keep-alive refresh.
 */
describe('legacy SSE sessions survive a Redis restart', () => {
  let redis: ThrowawayRedis;
  let a: RuntimeServer;
  let b: RuntimeServer;
  let baseA: string;
  let baseB: string;
  const logsB = logCapture();
  const controller = new AbortController();

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    a = await testServer({ REDIS_URL: redis.url });
    b = await testServer({ REDIS_URL: redis.url, LOG_LEVEL: 'info' }, { logStream: logsB.stream });
    baseA = await a.listen();
    baseB = await b.listen();
  });
  afterAll(async () => {
    controller.abort();
    await a?.app.close();
    await b?.app.close();
    await redis?.destroy();
  });

  it('B refuses during the outage with one log line, A keeps serving its stream, B accepts again once Redis is back', async () => {
    const stream = await fetch(`${baseA}/sse`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    await waitFor(() => /event: endpoint\ndata: (\S+)/.test(text), 'the endpoint event');
    const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)![1]!;
    let id = 0;
    const post = async (base: string) => {
      id += 1;
      const res = await fetch(new URL(endpoint, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: 'search_accounts', arguments: { query: `q${id}` } },
        }),
      });
      return { status: res.status, id };
    };
    const answered = (n: number) => text.includes(`"id":${n}`);

    const first = await post(baseB);
    expect(first.status).toBe(202);
    await waitFor(() => answered(first.id), 'the answer on the stream held by A');

    await redis.kill();
    const refused = [await post(baseB), await post(baseB), await post(baseB)];
    expect(refused.map((r) => r.status)).toEqual([503, 503, 503]);
    const outageLines = logsB.lines.filter((l) => String(l.msg).includes('session store unavailable'));
    expect(outageLines).toHaveLength(1);
    // The replica holding the stream still serves it in process.
    const local = await post(baseA);
    expect(local.status).toBe(202);
    await waitFor(() => answered(local.id), 'the in-process answer during the outage');

    await redis.start();
    // Well inside the keep-alive interval (15 s): the record is back because A re-published it.
    let accepted: { status: number; id: number } | undefined;
    await waitFor(
      async () => {
        const attempt = await post(baseB);
        if (attempt.status === 202) accepted = attempt;
        else expect([503, 404]).toContain(attempt.status);
        return attempt.status === 202;
      },
      'B to accept the session again',
      10_000,
    );
    await waitFor(() => answered(accepted!.id), 'the answer after the restart');
    expect(logsB.lines.some((l) => l.msg === 'legacy SSE: session store reachable again')).toBe(true);
  });
});
