import Fastify, { type FastifyInstance } from 'fastify';
import { vi } from 'vitest';
import {
  ANONYMOUS,
  type CallContext,
  Dispatcher,
  type DispatcherOptions,
  type McpPluginOptions,
  mcpPlugin,
} from '../src/index.ts';
import { exampleDefinition } from './fixtures.ts';

export const SECRET = 'test-request-state-secret-0123456789abcdef';

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'test-client', version: '1.0.0' },
};

export async function buildApp(
  options: Partial<McpPluginOptions> = {},
  dispatcherOptions: DispatcherOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(mcpPlugin, {
    dispatcher: new Dispatcher(exampleDefinition(), dispatcherOptions),
    requestStateSecret: SECRET,
    ...options,
  });
  await app.ready();
  return app;
}

/** Headers and body of one JSON-RPC request in the given era ('2026' or a 2025-era version). */
export function rpc(
  era: string,
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 1,
): { headers: Record<string, string>; payload: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  let body = params;
  if (era === '2026') {
    headers['mcp-protocol-version'] = '2026-07-28';
    headers['mcp-method'] = method;
    const name = method === 'resources/read' ? params.uri : params.name;
    if (typeof name === 'string' && ['tools/call', 'prompts/get', 'resources/read'].includes(method)) {
      headers['mcp-name'] = name;
    }
    body = { ...params, _meta: { ...MODERN_META, ...((params._meta as object) ?? {}) } };
  } else {
    headers['mcp-protocol-version'] = era;
  }
  return { headers, payload: JSON.stringify({ jsonrpc: '2.0', id, method, params: body }) };
}

/** Parses a JSON or single-event SSE response body into the JSON-RPC message(s) it carries. */
export function messagesOf(body: string, contentType: string | undefined): Array<Record<string, unknown>> {
  if ((contentType ?? '').startsWith('text/event-stream')) {
    return body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
  }
  return [JSON.parse(body) as Record<string, unknown>];
}

/** A call context for driving a Dispatcher directly: anonymous caller, 2026 client, spy logger. */
export function testContext(overrides: Partial<CallContext> = {}): CallContext {
  const log = {
    error: vi.fn(),
    warn: vi.fn(),
    info: vi.fn(),
    debug: vi.fn(),
    child: () => log,
  } as unknown as CallContext['log'];
  return {
    log,
    signal: new AbortController().signal,
    progress: () => {},
    caller: ANONYMOUS,
    client: { era: '2026', protocolVersion: '2026-07-28' },
    correlationId: 'req-1',
    touch: () => {},
    clientLog: () => {},
    ...overrides,
  };
}
