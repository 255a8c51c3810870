import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../src/server.ts';
import { handled } from './fixtures.ts';
import { resultOf, rpc, testServer } from './helpers.ts';

describe('bad input is a validation error, before any handler, query or recursion', () => {
  let server: RuntimeServer;
  beforeAll(async () => {
    server = await testServer();
  });
  afterAll(async () => server?.app.close());

  it('refuses NUL, other control characters and lone surrogates in any argument value or name', async () => {
    const before = handled.length;
    for (const args of [
      { query: 'acme\u0000; DROP' },
      { query: 'bell\u0007' },
      { query: 'half \ud800 pair' },
      { query: 'ok', 'k\u0000': 1 },
    ]) {
      const result = resultOf(
        (await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: args })).body,
      ) as { isError?: boolean; structuredContent?: { code?: string; message?: string } };
      expect(result.isError).toBe(true);
      expect(result.structuredContent?.code).toBe('INVALID_ARGUMENTS');
    }
    expect(handled.length).toBe(before);
    // Tabs and line breaks are ordinary text.
    const fine = resultOf(
      (await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: { query: 'a\tb\nc' } }))
        .body,
    );
    expect(fine.isError).toBeFalsy();
  });

  it('refuses prompt arguments and resource URIs carrying NUL with -32602', async () => {
    const prompt = await rpc(server.app, 'prompts/get', { name: 'summary', arguments: { topic: 'x\u0000' } });
    expect((prompt.body.error as { code: number }).code).toBe(-32602);
    const resource = await rpc(server.app, 'resources/read', { uri: 'acme://notes\u0000' });
    expect((resource.body.error as { code: number }).code).toBe(-32602);
  });

  it('refuses arguments nested 100,000 levels deep with a 400 Invalid Request, not a stack overflow', async () => {
    const depth = 100_000;
    const args = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const response = await server.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      payload: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_accounts","arguments":${args}}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: -32600 } });
    expect(response.body).toContain('nested deeper than 64 levels');
  });
});
