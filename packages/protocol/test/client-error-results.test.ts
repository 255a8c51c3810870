import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dispatcher, defineTool, mcpPlugin, ToolError } from '../src/index.ts';
import { SECRET } from './helpers.ts';

/**
 * Clients validate structured content against the advertised output schema even on error results
 * (the SDK v1 client does), so a tool with an output schema must still deliver its structured
 * `{code, message, retryable, hint}` failures to them as results, not as client-side errors.
 */
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks a record up.',
  input: z.object({ id: z.string() }),
  output: z.object({ id: z.string(), name: z.string() }),
  annotations: { readOnlyHint: true },
  handler: async ({ id }) => {
    if (id === 'missing')
      throw new ToolError('NOT_FOUND', `No record ${id}`, { hint: 'Search by name first.' });
    return { id, name: `Record ${id}` };
  },
});

describe('error results of tools with an output schema', () => {
  let app: FastifyInstance;
  let url: URL;
  beforeAll(async () => {
    app = Fastify();
    await app.register(mcpPlugin, {
      dispatcher: new Dispatcher({ name: 'errors', version: '1.0.0', tools: [lookup] }),
      requestStateSecret: SECRET,
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    url = new URL(`${address}/mcp`);
  });
  afterAll(async () => app.close());

  it('reach an SDK v1 client as structured results, and successes still validate', async () => {
    const client = new ClientV1({ name: 'v1', version: '1.0.0' });
    await client.connect(new TransportV1(url));
    try {
      await client.listTools();
      const ok = await client.callTool({ name: 'lookup', arguments: { id: '7' } });
      expect(ok.structuredContent).toEqual({ id: '7', name: 'Record 7' });
      const failed = await client.callTool({ name: 'lookup', arguments: { id: 'missing' } });
      expect(failed.isError).toBe(true);
      expect(failed.structuredContent).toEqual({
        code: 'NOT_FOUND',
        message: 'No record missing',
        retryable: false,
        hint: 'Search by name first.',
      });
      const invalid = await client.callTool({ name: 'lookup', arguments: { id: 3 } });
      expect(invalid.isError).toBe(true);
      expect((invalid.structuredContent as { code: string }).code).toBe('INVALID_ARGUMENTS');
    } finally {
      await client.close();
    }
  });
});
