import type { FastifyInstance } from 'fastify';
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
  SUBJECT_HEADER,
  slowCallProbe,
} from './support.ts';

const { Client, SSEClientTransport } = await loadSdkV1SseClient();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('legacy HTTP+SSE transport, single process (no Redis)', () => {
  let app: FastifyInstance;
  let base: string;
  const probe = slowCallProbe();
  const recorder = contextRecorder();

  beforeAll(async () => {
    app = await buildApp({ interceptors: [probe.interceptor, recorder.interceptor], maxBodyBytes: 4096 });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the official SDK v1 SSE client: tools, progress, resources and prompts', async () => {
    const client = new Client({ name: 'legacy-sse-test', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
    try {
      expect(client.getServerVersion()?.name).toBe('example');

      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['echo', 'fail', 'crash', 'slow']);

      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      expect(echoed.structuredContent).toEqual({ text: 'hello', length: 5 });
      expect(echoed.isError).toBeFalsy();

      const progress: Array<{ progress: number; total?: number; message?: string }> = [];
      const slow = await client.callTool({ name: 'slow', arguments: { steps: 3, delayMs: 1 } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      expect(slow.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
      // The v1 client handles notifications a microtask after responses, so it may drop the last
      // progress when both arrive in one chunk; the exact wire order is checked on a raw stream below.
      expect(progress.length).toBeGreaterThan(0);
      expect(progress[0]).toMatchObject({ progress: 1, total: 3, message: 'step 1' });

      const invalid = await client.callTool({ name: 'slow', arguments: { steps: 0 } });
      expect(invalid.isError).toBe(true);
      expect(JSON.stringify(invalid.content)).toContain('steps');

      const resource = await client.readResource({ uri: 'docs://readme' });
      expect(resource.contents).toEqual([
        { uri: 'docs://readme', mimeType: 'text/markdown', text: '# Hello' },
      ]);

      const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
      expect(prompt.messages).toEqual([
        { role: 'user', content: { type: 'text', text: 'Say hello to Ada' } },
      ]);
    } finally {
      await client.close();
    }
  });

  it('announces the POST endpoint first and answers on the stream as `event: message`', async () => {
    const stream = await openRawStream(`${base}/sse`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.endpoint).toMatch(/^\/messages\?sessionId=/);
      const sessionId = new URL(stream.endpoint ?? '', base).searchParams.get('sessionId');
      expect(sessionId).toMatch(UUID);

      const post = await postJson(`${base}${stream.endpoint}`, initialize('2024-11-05'));
      expect(post.status).toBe(202);
      const init = await stream.response(1);
      expect(init).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        result: { protocolVersion: '2024-11-05', serverInfo: { name: 'example' } },
      });

      expect((await postJson(`${base}${stream.endpoint}`, initialized)).status).toBe(202);
      await postJson(`${base}${stream.endpoint}`, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'nope', arguments: {} },
      });
      const unknown = await stream.response(2);
      expect(unknown).toMatchObject({ id: 2, error: { code: -32602 } });
    } finally {
      stream.close();
    }
  });

  it('streams progress notifications before the result of the call that asked for them', async () => {
    const stream = await openRawStream(`${base}/sse`);
    try {
      const url = `${base}${stream.endpoint}`;
      await postJson(url, initialize('2024-11-05'));
      await stream.response(1);
      await postJson(url, initialized);
      const call = { name: 'slow', arguments: { steps: 3, delayMs: 1 }, _meta: { progressToken: 'p-7' } };
      expect(
        (await postJson(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: call })).status,
      ).toBe(202);
      await stream.response(2);
      const tail = stream.events.slice(2).map((e) => JSON.parse(e.data) as Record<string, unknown>);
      expect(tail).toEqual([
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 'p-7', progress: 1, total: 3, message: 'step 1' },
        },
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 'p-7', progress: 2, total: 3, message: 'step 2' },
        },
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 'p-7', progress: 3, total: 3, message: 'step 3' },
        },
        { jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'done after 3 steps' }] } },
      ]);
    } finally {
      stream.close();
    }
  });

  it("gives handlers the session owner, the POST's request id and the negotiated client", async () => {
    const stream = await openRawStream(`${base}/sse`, { [SUBJECT_HEADER]: 'frank' });
    try {
      const url = `${base}${stream.endpoint}`;
      const owner = { [SUBJECT_HEADER]: 'frank' };
      await postJson(url, initialize('2024-11-05'), owner);
      await stream.response(1);
      await postJson(url, initialized, owner);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const call = { name: 'echo', arguments: { text: 'who am i' } };
      await postJson(
        url,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: call },
        {
          ...owner,
          'x-request-id': 'corr-legacy-1',
          traceparent,
        },
      );
      expect(await stream.response(2)).toMatchObject({ result: { structuredContent: { text: 'who am i' } } });
      expect(recorder.calls.find((c) => c.correlationId === 'corr-legacy-1')).toEqual({
        name: 'echo',
        correlationId: 'corr-legacy-1',
        subject: 'frank',
        traceparent,
        client: expect.objectContaining({
          era: '2024-sse',
          protocolVersion: '2024-11-05',
          name: 'raw-legacy-client',
        }),
      });
    } finally {
      stream.close();
    }
  });

  it('gives every stream its own random session id', async () => {
    const a = await openRawStream(`${base}/sse`);
    const b = await openRawStream(`${base}/sse`);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
    } finally {
      a.close();
      b.close();
    }
  });

  it('answers 404 with a JSON-RPC error naming /sse for an unknown session, 400 without one', async () => {
    const unknown = await postJson(
      `${base}/messages?sessionId=${crypto.randomUUID()}`,
      initialize('2024-11-05'),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32001 } });
    expect((unknown.json().error as { message: string }).message).toContain('/sse');

    const missing = await postJson(`${base}/messages`, initialize('2024-11-05'));
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: -32600 } });

    const malformed = await postJson(`${base}/messages?sessionId=../../etc`, initialize('2024-11-05'));
    expect(malformed.status).toBe(400);
  });

  it('binds a session to the principal who opened it', async () => {
    const stream = await openRawStream(`${base}/sse`, { [SUBJECT_HEADER]: 'alice' });
    try {
      const url = `${base}${stream.endpoint}`;
      const other = await postJson(url, initialize('2024-11-05'), { [SUBJECT_HEADER]: 'mallory' });
      expect(other.status).toBe(403);
      expect(other.json()).toMatchObject({ error: { code: -32000 } });
      const anonymous = await postJson(url, initialize('2024-11-05'));
      expect(anonymous.status).toBe(403);

      expect((await postJson(url, initialize('2024-11-05'), { [SUBJECT_HEADER]: 'alice' })).status).toBe(202);
      expect(await stream.response(1)).toMatchObject({ result: { protocolVersion: '2024-11-05' } });
    } finally {
      stream.close();
    }
  });

  it('turns malformed bodies into JSON-RPC errors', async () => {
    const stream = await openRawStream(`${base}/sse`);
    try {
      const url = `${base}${stream.endpoint}`;
      const parse = await postJson(url, '{"jsonrpc": "2.0", "id": 1,');
      expect(parse.status).toBe(400);
      expect(parse.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });

      const batch = await postJson(url, [initialize('2024-11-05')]);
      expect(batch.status).toBe(400);
      expect(batch.json()).toMatchObject({ error: { code: -32600 } });

      const notRpc = await postJson(url, { hello: 'world' });
      expect(notRpc.status).toBe(400);
      expect(notRpc.json()).toMatchObject({ error: { code: -32600 } });

      const tooLarge = await postJson(url, {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'x'.repeat(8192) } },
      });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });

      const text = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      });
      expect(text.status).toBe(415);
    } finally {
      stream.close();
    }
  });

  it('aborts an in-flight call when the client closes the stream', async () => {
    const stream = await openRawStream(`${base}/sse`);
    const url = `${base}${stream.endpoint}`;
    await postJson(url, initialize('2024-11-05'));
    await stream.response(1);
    await postJson(url, initialized);
    const call = await postJson(url, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'slow', arguments: { steps: 20, delayMs: 5000 } },
    });
    expect(call.status).toBe(202);
    await probe.started;
    stream.close();
    const reason = await probe.aborted;
    expect(String(reason)).toMatch(/legacy SSE stream closed/);

    // The session is gone with its stream.
    const after = await postJson(url, { jsonrpc: '2.0', id: 3, method: 'ping' });
    expect(after.status).toBe(404);
  });

  it('refuses disallowed browser origins', async () => {
    const response = await fetch(`${base}/sse`, {
      headers: { accept: 'text/event-stream', origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    await response.body?.cancel();
    const post = await postJson(
      `${base}/messages?sessionId=${crypto.randomUUID()}`,
      initialize('2024-11-05'),
      {
        origin: 'https://evil.example',
      },
    );
    expect(post.status).toBe(403);
  });
});

describe('legacy HTTP+SSE transport limits and options', () => {
  it('refuses streams beyond maxStreams with 503 and admits again once one closes', async () => {
    const app = await buildApp({ maxStreams: 2 });
    const base = await listen(app);
    try {
      const a = await openRawStream(`${base}/sse`);
      const b = await openRawStream(`${base}/sse`);
      const refused = await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' } });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: { code: -32000 } });
      a.close();
      // The close reaches the server asynchronously; wait until a new stream is admitted.
      let admitted = await openRawStream(`${base}/sse`);
      while (admitted.status === 503) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        admitted = await openRawStream(`${base}/sse`);
      }
      expect(admitted.endpoint).toMatch(/^\/messages\?sessionId=/);
      admitted.close();
      b.close();
    } finally {
      await app.close();
    }
  });

  it('writes keep-alive comments on an idle stream', async () => {
    const app = await buildApp({ keepAliveMs: 50 });
    const base = await listen(app);
    try {
      const stream = await openRawStream(`${base}/sse`);
      expect(stream.status).toBe(200);
      // Repeated, not once: poll until a few arrived (an explicit assertion, not a test timeout).
      const keepAlives = () => stream.comments.filter((c) => c.includes('keep-alive')).length;
      await expect.poll(keepAlives, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      // The stream stayed idle: comments only, no event but the endpoint.
      expect(stream.events.map((e) => e.event)).toEqual(['endpoint']);
      stream.close();
    } finally {
      await app.close();
    }
  });

  it('names the endpoint under the register prefix and the public path prefix', async () => {
    const app = await buildApp({ prefix: '/crm', publicPathPrefix: '/gateway' });
    const base = await listen(app);
    try {
      const stream = await openRawStream(`${base}/crm/sse`);
      expect(stream.endpoint).toMatch(/^\/gateway\/crm\/messages\?sessionId=[0-9a-f-]{36}$/);
      const sessionId = new URL(stream.endpoint ?? '', base).searchParams.get('sessionId');
      expect(
        (await postJson(`${base}/crm/messages?sessionId=${sessionId}`, initialize('2024-11-05'))).status,
      ).toBe(202);
      stream.close();
    } finally {
      await app.close();
    }
  });

  it('coexists with mcpPlugin on one instance, each with its own body handling', async () => {
    const app = await buildApp({ withMcp: true });
    const base = await listen(app);
    try {
      const mcp = await postJson(`${base}/mcp`, '{not json');
      expect(mcp.status).toBe(400);
      expect(mcp.json()).toMatchObject({ error: { code: -32700 } });
      const listed = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(listed.status).toBe(200);

      const client = new Client({ name: 'legacy-sse-coexist', version: '1.0.0' });
      await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
      expect(
        (await client.callTool({ name: 'echo', arguments: { text: 'both' } })).structuredContent,
      ).toEqual({
        text: 'both',
        length: 4,
      });
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('ends open streams when the server closes', async () => {
    const app = await buildApp();
    const base = await listen(app);
    const stream = await openRawStream(`${base}/sse`);
    expect(stream.status).toBe(200);
    await app.close();
    const after = await fetch(`${base}/sse`).catch((error: unknown) => error);
    expect(after).toBeInstanceOf(Error);
  });
});
