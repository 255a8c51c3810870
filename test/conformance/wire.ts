import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * Hand-made MCP requests for tests that check wire rules the official suite does not: exact
 * headers per era, and responses parsed from either a JSON body or a single-event SSE body.
 */

export const MODERN = '2026-07-28';
export const LEGACY = '2025-06-18';

export const CLIENT_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'http-rules-test', version: '1.0.0' },
};

const ACCEPT_BOTH = 'application/json, text/event-stream';

/** Headers of a well-formed 2026-07-28 request for `method` (and `name` for tools/call, prompts/get, resources/read). */
export function modernHeaders(method: string, name?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: ACCEPT_BOTH,
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  };
}

export function legacyHeaders(version = LEGACY): Record<string, string> {
  return { 'content-type': 'application/json', accept: ACCEPT_BOTH, 'mcp-protocol-version': version };
}

export type Era = '2026' | '2025';

let nextId = 1;

/** A request in `era`, with the 2026 envelope and headers filled in. */
export function request(
  era: Era,
  method: string,
  params: Record<string, unknown> = {},
): { headers: Record<string, string>; payload: Record<string, unknown> } {
  const id = nextId++;
  if (era === '2025') return { headers: legacyHeaders(), payload: { jsonrpc: '2.0', id, method, params } };
  const name =
    method === 'tools/call' || method === 'prompts/get'
      ? (params.name as string | undefined)
      : method === 'resources/read'
        ? (params.uri as string | undefined)
        : undefined;
  return {
    headers: modernHeaders(method, name),
    payload: {
      jsonrpc: '2.0',
      id,
      method,
      params: { ...params, _meta: { ...CLIENT_META, ...(params._meta as object) } },
    },
  };
}

export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** Every JSON-RPC message in a response body: one JSON object, or the `data:` lines of an SSE stream. */
export function messagesOf(body: string, contentType: string | undefined): JsonRpcMessage[] {
  if ((contentType ?? '').startsWith('text/event-stream')) {
    return body
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter((data) => data.length > 0)
      .map((data) => JSON.parse(data) as JsonRpcMessage);
  }
  return body.length === 0 ? [] : [JSON.parse(body) as JsonRpcMessage];
}

/** The final response (the message carrying a result or an error) of an injected request. */
export function responseOf(res: LightMyRequestResponse): JsonRpcMessage {
  const messages = messagesOf(res.body, res.headers['content-type'] as string | undefined);
  const final = messages.find((m) => m.result !== undefined || m.error !== undefined);
  if (!final)
    throw new Error(`no JSON-RPC response in HTTP ${res.statusCode} body: ${res.body.slice(0, 500)}`);
  return final;
}

/** Sends a well-formed request in `era` through `app.inject` and returns the HTTP response and final message. */
export async function call(
  app: FastifyInstance,
  era: Era,
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; message: JsonRpcMessage; res: LightMyRequestResponse }> {
  const { headers, payload } = request(era, method, params);
  const res = await app.inject({ method: 'POST', url: '/mcp', headers, payload });
  return { status: res.statusCode, message: responseOf(res), res };
}
