import http from 'node:http';
import { listen } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRulesServer, nextAbort, SECRET_DETAIL, TOOL_NAMES } from './rules-server.ts';
import {
  CLIENT_META,
  call,
  type Era,
  legacyHeaders,
  MODERN,
  modernHeaders,
  request,
  responseOf,
} from './wire.ts';

// Wire rules the official suite does not check, on both serving paths of the plugin.
const ERAS: readonly Era[] = ['2026', '2025'];

describe.each([
  { path: 'fast path', fastPath: true },
  { path: 'SDK path', fastPath: false },
])('HTTP rules ($path)', ({ fastPath }) => {
  let app: FastifyInstance;
  let paged: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    app = await buildRulesServer({
      fastPath,
      maxBodyBytes: 4096,
      allowedOrigins: ['https://app.example'],
      logLines,
    });
    paged = await buildRulesServer({ fastPath, pageSize: 2 });
  });
  afterAll(async () => {
    await Promise.all([app.close(), paged.close()]);
  });

  describe('HTTP status rules', () => {
    it('acknowledges 2025-era notifications with 202 and no body', async () => {
      for (const method of ['notifications/initialized', 'notifications/cancelled']) {
        const res = await app.inject({
          method: 'POST',
          url: '/mcp',
          headers: legacyHeaders(),
          payload: {
            jsonrpc: '2.0',
            method,
            params: method === 'notifications/cancelled' ? { requestId: 7 } : {},
          },
        });
        expect(res.statusCode, method).toBe(202);
        expect(res.body).toBe('');
      }
    });

    it.each(['GET', 'DELETE'] as const)(
      'answers %s in the 2026 era with 405 and Allow: POST',
      async (method) => {
        const res = await app.inject({
          method,
          url: '/mcp',
          headers: { 'mcp-protocol-version': MODERN, accept: 'text/event-stream' },
        });
        expect(res.statusCode).toBe(405);
        expect(res.headers.allow).toBe('POST');
      },
    );

    it.each(['1999-01-01', 'not-a-version'])('rejects MCP-Protocol-Version %s with 400', async (version) => {
      const res = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: legacyHeaders(version),
        payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(version);
    });

    it('refuses a browser Origin that is not allowed with 403, and serves an allowed one', async () => {
      const { headers, payload } = request('2025', 'tools/list');
      const refused = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { ...headers, origin: 'https://evil.example' },
        payload,
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toContain('https://evil.example');
      const allowed = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { ...headers, origin: 'https://app.example' },
        payload,
      });
      expect(allowed.statusCode).toBe(200);
      expect(responseOf(allowed).result?.tools).toBeDefined();
    });

    it('answers a body over the limit with 413', async () => {
      const { headers, payload } = request('2025', 'tools/call', {
        name: 'echo',
        arguments: { message: 'x'.repeat(5000) },
      });
      const res = await app.inject({ method: 'POST', url: '/mcp', headers, payload });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.message).toContain('4096');
    });
  });

  describe('JSON-RPC error rules', () => {
    it('answers malformed JSON with -32700', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: legacyHeaders(),
        payload: '{"jsonrpc":"2.0",',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it.each([
      ['no method', { jsonrpc: '2.0', id: 5 }],
      ['wrong jsonrpc version', { jsonrpc: '1.0', id: 5, method: 'tools/list' }],
      ['method is not a string', { jsonrpc: '2.0', id: 5, method: 42 }],
    ])('answers an invalid request shape (%s) with -32600', async (_label, body) => {
      for (const headers of [legacyHeaders(), modernHeaders('tools/list')]) {
        const res = await app.inject({ method: 'POST', url: '/mcp', headers, payload: body });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe(-32600);
      }
    });

    it('rejects JSON-RPC batches', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/mcp',
        headers: legacyHeaders(),
        payload: [
          { jsonrpc: '2.0', id: 1, method: 'tools/list' },
          { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
        ],
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(-32600);
      expect(res.body).not.toContain('"result"');
    });

    it.each(ERAS)('answers an unknown method with -32601 (%s era)', async (era) => {
      const { status, message } = await call(app, era, 'tools/frobnicate');
      expect(message.error?.code).toBe(-32601);
      expect(message.result).toBeUndefined();
      expect(status).toBe(era === '2026' ? 404 : 200);
    });

    it.each(ERAS)('answers an unknown tool with -32602, not an isError result (%s era)', async (era) => {
      const { message } = await call(app, era, 'tools/call', { name: 'no_such_tool', arguments: {} });
      expect(message.result).toBeUndefined();
      expect(message.error?.code).toBe(-32602);
      expect(message.error?.message).toContain('no_such_tool');
    });

    it('answers a header/body mismatch (2026) with 400 and -32020', async () => {
      const { payload } = request('2026', 'tools/call', { name: 'echo', arguments: { message: 'hi' } });
      for (const headers of [modernHeaders('tools/list'), modernHeaders('tools/call', 'fail')]) {
        const res = await app.inject({ method: 'POST', url: '/mcp', headers, payload });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe(-32020);
      }
    });
  });

  describe('tool results', () => {
    it.each(ERAS)('returns isError naming each wrong argument and why (%s era)', async (era) => {
      const { message } = await call(app, era, 'tools/call', {
        name: 'echo',
        arguments: { message: '', times: 9 },
      });
      const result = message.result as {
        isError?: boolean;
        content: Array<{ text: string }>;
        structuredContent: { code: string; retryable: boolean; issues: Array<{ path: string }> };
      };
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ code: 'INVALID_ARGUMENTS', retryable: false });
      const text = result.content[0]!.text;
      expect(text).toContain('`message`');
      expect(text).toContain('`times`');
      expect(result.structuredContent.issues.map((i) => i.path).sort()).toEqual(['message', 'times']);
    });

    it.each(ERAS)('runs a valid call and returns structured content (%s era)', async (era) => {
      const { message } = await call(app, era, 'tools/call', {
        name: 'echo',
        arguments: { message: 'hi', times: 2 },
      });
      expect(message.result).toMatchObject({ structuredContent: { echoed: ['hi', 'hi'] } });
      expect(message.result?.isError).toBeUndefined();
    });

    it.each(ERAS)('returns an expected failure as {code, message, retryable, hint} (%s era)', async (era) => {
      const { message } = await call(app, era, 'tools/call', { name: 'fail', arguments: {} });
      expect(message.result).toMatchObject({
        isError: true,
        structuredContent: {
          code: 'UPSTREAM_UNAVAILABLE',
          message: 'The ticketing system is busy',
          retryable: true,
          hint: 'Wait a minute and call again.',
        },
      });
    });

    it.each(ERAS)(
      'returns an unexpected exception with a reference id and no internals (%s era)',
      async (era) => {
        logLines.length = 0;
        const { res, message } = await call(app, era, 'tools/call', { name: 'crash', arguments: {} });
        const structured = message.result?.structuredContent as { code: string; reference: string };
        expect(message.result?.isError).toBe(true);
        expect(structured.code).toBe('INTERNAL_ERROR');
        expect(structured.reference).toMatch(/^err_[0-9a-f]{16}$/);
        expect(res.body).not.toContain('secret internal detail');
        expect(res.body).not.toMatch(/\.ts:\d+|\bat [\w.<>]+ \(/);
        // The log has what the response hides, under the same reference.
        const logged = logLines
          .map((line) => JSON.parse(line))
          .find((entry) => entry.reference === structured.reference);
        expect(logged?.err?.message).toBe(SECRET_DETAIL);
        expect(logged?.err?.stack).toContain('rules-server.ts');
      },
    );
  });

  describe('pagination', () => {
    async function collect(
      era: Era,
      method: string,
      key: string,
    ): Promise<{ names: string[]; cursors: string[] }> {
      const names: string[] = [];
      const cursors: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const { message } = await call(paged, era, method, cursor === undefined ? {} : { cursor });
        const items = message.result?.[key] as Array<{ name: string }>;
        expect(items.length).toBeLessThanOrEqual(2);
        names.push(...items.map((item) => item.name));
        cursor = message.result?.nextCursor as string | undefined;
        if (cursor === undefined) return { names, cursors };
        cursors.push(cursor);
      }
      throw new Error(`${method} never ended`);
    }

    it.each(ERAS)(
      'pages tools/list with opaque cursors and returns every tool once (%s era)',
      async (era) => {
        const { names, cursors } = await collect(era, 'tools/list', 'tools');
        expect(names).toEqual(TOOL_NAMES);
        expect(cursors).toHaveLength(Math.ceil(TOOL_NAMES.length / 2) - 1);
        for (const cursor of cursors) expect(cursor).not.toMatch(/^\d+$/);
      },
    );

    it.each(ERAS)('pages prompts/list and resources/list too (%s era)', async (era) => {
      expect((await collect(era, 'prompts/list', 'prompts')).names).toEqual([
        'prompt_0',
        'prompt_1',
        'prompt_2',
      ]);
      expect((await collect(era, 'resources/list', 'resources')).names).toEqual(['doc_0', 'doc_1', 'doc_2']);
    });

    it('does not paginate a list that fits in one page', async () => {
      const { message } = await call(app, '2026', 'tools/list');
      expect(message.result?.tools).toHaveLength(TOOL_NAMES.length);
      expect(message.result?.nextCursor).toBeUndefined();
    });

    it.each(ERAS)('answers an invalid or foreign cursor with -32602 (%s era)', async (era) => {
      const first = await call(paged, era, 'tools/list');
      const toolsCursor = first.message.result?.nextCursor as string;
      for (const [method, cursor] of [
        ['tools/list', 'not-a-cursor'],
        ['tools/list', Buffer.from('tools:-1').toString('base64url')],
        ['prompts/list', toolsCursor],
      ] as const) {
        const { message } = await call(paged, era, method, { cursor });
        expect(message.error?.code, `${method} ${cursor}`).toBe(-32602);
      }
    });
  });
});

describe('cancellation by closing the response stream', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildRulesServer({ fastPath: true });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(ERAS)(
    'aborts the handler signal when the client closes a progress stream (%s era)',
    async (era) => {
      const { headers, payload } = request(era, 'tools/call', {
        name: 'slow_progress',
        arguments: {},
        _meta: { ...(era === '2026' ? CLIENT_META : {}), progressToken: 'p1' },
      });
      const aborted = nextAbort();
      const firstProgress = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${base}/mcp`, { method: 'POST', headers }, (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          res.setEncoding('utf8');
          let seen = '';
          res.on('data', (chunk: string) => {
            seen += chunk;
            if (seen.includes('notifications/progress')) {
              req.destroy();
              resolve(seen);
            }
          });
        });
        req.on('error', (error) => {
          if (!req.destroyed) reject(error);
        });
        req.end(JSON.stringify(payload));
      });
      expect(firstProgress).toContain('"progressToken":"p1"');
      let timer: NodeJS.Timeout | undefined;
      const reason = (await Promise.race([
        aborted,
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error('the handler signal did not fire within 10 s of the stream closing')),
            10_000,
          );
        }),
      ]).finally(() => clearTimeout(timer))) as { name?: string } | undefined;
      // Cancelled by the client, not by the call's own time limit.
      expect(reason?.name).not.toBe('TimeoutError');
    },
  );
});
