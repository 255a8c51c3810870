import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ANONYMOUS, Dispatcher, defineTool, type Interceptor, RpcError } from '../src/index.ts';
import { exampleDefinition } from './fixtures.ts';
import { testContext as ctx } from './helpers.ts';

describe('Dispatcher', () => {
  it('builds tool descriptors once: 2020-12 input schemas keep $schema, output schemas admit the error shape', () => {
    const d = new Dispatcher(exampleDefinition());
    const { tools } = d.listTools({}, ANONYMOUS) as { tools: Array<Record<string, unknown>> };
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(echo.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { text: { type: 'string', minLength: 1, description: 'Text to echo' } },
      required: ['text'],
    });
    const output = echo.outputSchema as { $schema?: string; anyOf: Array<Record<string, unknown>> };
    expect(output.$schema).toBeUndefined();
    expect(output.anyOf[0]).toMatchObject({ required: ['text', 'length'] });
    expect(output.anyOf[1]).toMatchObject({ required: ['code', 'message', 'retryable'] });
    expect(echo.annotations).toEqual({ readOnlyHint: true, openWorldHint: false });
    // Same object on every call: nothing is rebuilt per request.
    const again = (d.listTools({}, ANONYMOUS) as { tools: unknown[] }).tools.find(
      (t) => (t as { name: string }).name === 'echo',
    );
    expect(again).toBe(echo);
  });

  it('paginates lists with opaque cursors and rejects cursors it did not mint', () => {
    const d = new Dispatcher(exampleDefinition(7), { pageSize: 4 });
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = d.listTools(cursor ? { cursor } : {}, ANONYMOUS) as {
        tools: Array<{ name: string }>;
        nextCursor?: string;
      };
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toHaveLength(11);
    expect(new Set(names).size).toBe(11);
    expect(() => d.listTools({ cursor: 'not-a-cursor' }, ANONYMOUS)).toThrow(RpcError);
    const promptsCursor = Buffer.from('prompts:4').toString('base64url');
    expect(() => d.listTools({ cursor: promptsCursor }, ANONYMOUS)).toThrow(/Invalid cursor/);
  });

  it('answers invalid arguments with an isError result naming the argument and the reason', async () => {
    const d = new Dispatcher(exampleDefinition());
    const result = (await d.callTool({ name: 'echo', arguments: { text: 7 } }, ctx())) as {
      isError: boolean;
      structuredContent: { code: string; issues: Array<{ path: string }> };
      content: Array<{ text: string }>;
    };
    expect(result.isError).toBe(true);
    expect(result.structuredContent.code).toBe('INVALID_ARGUMENTS');
    expect(result.structuredContent.issues[0]!.path).toBe('text');
    expect(result.content[0]!.text).toMatch(/`text`: .*expected string/i);
  });

  it('throws -32602 for an unknown tool instead of an isError result', async () => {
    const d = new Dispatcher(exampleDefinition());
    await expect(d.callTool({ name: 'nope' }, ctx())).rejects.toMatchObject({ code: -32602 });
  });

  it('turns unexpected exceptions into a reference id, logs the error, and never leaks the message', async () => {
    const d = new Dispatcher(exampleDefinition());
    const c = ctx();
    const result = (await d.callTool({ name: 'crash', arguments: {} }, c)) as {
      isError: boolean;
      structuredContent: { code: string; reference: string; retryable: boolean };
      content: Array<{ text: string }>;
    };
    expect(result.isError).toBe(true);
    expect(result.structuredContent.code).toBe('INTERNAL_ERROR');
    expect(result.structuredContent.reference).toMatch(/^err_[0-9a-f]{16}$/);
    expect(JSON.stringify(result)).not.toContain('secret internal detail');
    expect(JSON.stringify(result)).not.toContain('app.ts');
    expect(c.log.error).toHaveBeenCalledWith(
      expect.objectContaining({ reference: result.structuredContent.reference, err: expect.any(Error) }),
      expect.any(String),
    );
  });

  it('returns expected failures as {code, message, retryable, hint}', async () => {
    const d = new Dispatcher(exampleDefinition());
    const result = (await d.callTool({ name: 'fail', arguments: {} }, ctx())) as {
      structuredContent: unknown;
    };
    expect(result.structuredContent).toEqual({
      code: 'NOT_FOUND',
      message: 'No such record',
      retryable: false,
      hint: 'Search first.',
    });
  });

  it('strips fields a handler returns beyond its output schema', async () => {
    const leaky = defineTool({
      name: 'leaky',
      description: 'returns more than it declares',
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
      handler: async () => ({ ok: true, password: 'hunter2' }) as { ok: boolean },
    });
    const d = new Dispatcher({ name: 's', version: '1', tools: [leaky] });
    const result = await d.callTool({ name: 'leaky', arguments: {} }, ctx());
    expect(result.structuredContent).toEqual({ ok: true });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('aborts the handler signal on timeout and reports a retryable TIMEOUT', async () => {
    let aborted = false;
    const sleepy = defineTool({
      name: 'sleepy',
      description: 'waits for its signal',
      input: z.object({}),
      policy: { timeoutMs: 50 },
      handler: (_args, c) =>
        new Promise((_, reject) => {
          c.signal.addEventListener('abort', () => {
            aborted = true;
            reject(c.signal.reason);
          });
        }),
    });
    const d = new Dispatcher({ name: 's', version: '1', tools: [sleepy] });
    const result = (await d.callTool({ name: 'sleepy', arguments: {} }, ctx())) as {
      structuredContent: { code: string; retryable: boolean };
    };
    expect(aborted).toBe(true);
    expect(result.structuredContent).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('answers an unreachable backend UPSTREAM_UNAVAILABLE (retryable), logging once per outage', async () => {
    let up = false;
    const backend = http.createServer((req, res) => {
      if (up) res.end('pong');
      else req.socket.destroy();
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/`;
    const ping = defineTool({
      name: 'ping_backend',
      description: 'asks a backend',
      input: z.object({}),
      handler: async (_args, c) => ({
        content: [{ type: 'text', text: await (await fetch(url, { signal: c.signal })).text() }],
      }),
    });
    const d = new Dispatcher({ name: 's', version: '1', tools: [ping] });
    const context = ctx();
    try {
      for (let i = 0; i < 3; i++) {
        const result = await d.callTool({ name: 'ping_backend', arguments: {} }, context);
        expect(result).toMatchObject({
          isError: true,
          structuredContent: { code: 'UPSTREAM_UNAVAILABLE', retryable: true },
        });
        expect(JSON.stringify(result)).not.toMatch(/ECONNRESET|UND_ERR|socket/i);
      }
      expect(context.log.warn).toHaveBeenCalledTimes(1);
      expect(context.log.error).not.toHaveBeenCalled();
      up = true;
      expect(await d.callTool({ name: 'ping_backend', arguments: {} }, context)).toMatchObject({
        content: [{ type: 'text', text: 'pong' }],
      });
      expect(context.log.info).toHaveBeenCalledWith(
        { call: 'ping_backend', failuresNotLogged: 2 },
        'backend reachable again',
      );
    } finally {
      backend.closeAllConnections();
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });

  it('runs interceptors outermost first with validated args, and lets them short-circuit', async () => {
    const order: string[] = [];
    const outer: Interceptor = async (call, next) => {
      order.push(`outer:${JSON.stringify(call.args)}`);
      const r = await next();
      order.push('outer:after');
      return r;
    };
    const deny: Interceptor = async (call, next) => {
      order.push('deny');
      if (call.name === 'fail') return { content: [{ type: 'text', text: 'denied' }], isError: true };
      return next();
    };
    const d = new Dispatcher(exampleDefinition(), { interceptors: [outer, deny] });
    await d.callTool({ name: 'echo', arguments: { text: 'a' } }, ctx());
    expect(order).toEqual(['outer:{"text":"a"}', 'deny', 'outer:after']);
    const denied = await d.callTool({ name: 'fail', arguments: {} }, ctx());
    expect(denied.content).toEqual([{ type: 'text', text: 'denied' }]);
  });

  it('hides what a caller may not see, in lists and calls', async () => {
    const d = new Dispatcher(exampleDefinition(), {
      isVisible: (_kind, _policy, caller, annotations) =>
        caller.subject === 'admin' || annotations?.readOnlyHint === true,
    });
    const visible = (d.listTools({}, ANONYMOUS) as { tools: Array<{ name: string }> }).tools.map(
      (t) => t.name,
    );
    expect(visible).toEqual(['echo', 'fail']);
    await expect(d.callTool({ name: 'crash', arguments: {} }, ctx())).rejects.toMatchObject({ code: -32602 });
  });

  it('reads resources through templates, validating variables', async () => {
    const d = new Dispatcher(exampleDefinition());
    const ok = await d.readResource({ uri: 'items://42' }, ctx());
    expect(ok).toEqual({
      contents: [{ uri: 'items://42', mimeType: 'application/json', text: '{"id":"42"}' }],
    });
    await expect(d.readResource({ uri: 'items://4x2' }, ctx())).rejects.toThrow(/id must be 1-6 digits/);
    await expect(d.readResource({ uri: 'nope://1' }, ctx())).rejects.toMatchObject({ code: -32602 });
  });

  it('refuses duplicate names and bad page sizes at start-up', () => {
    const def = exampleDefinition();
    expect(() => new Dispatcher({ ...def, tools: [...def.tools!, def.tools![0]!] })).toThrow(/defined twice/);
    expect(() => new Dispatcher(def, { pageSize: 0 })).toThrow(/pageSize/);
  });
});
