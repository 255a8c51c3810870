import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { baseConfigSchema, loadConfig, type RuntimeConfig } from '../src/config.ts';
import { type CreateServerOptions, createServer, type RuntimeServer } from '../src/server.ts';
import { acmeDefinition } from './fixtures.ts';

export const SECRET = 'runtime-test-request-state-secret-0123456789';

/** Config for tests: loopback, no audit unless asked, the given overrides on top. */
export function testConfig(env: Record<string, string> = {}): RuntimeConfig {
  return loadConfig(baseConfigSchema, {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://acme.test',
    AUTH_MODE: 'none',
    REQUEST_STATE_SECRET: SECRET,
    AUDIT_ENABLED: 'false',
    ...env,
  });
}

/** Captures log lines as parsed JSON objects. */
export function logCapture(): {
  stream: Writable;
  lines: Array<Record<string, unknown>>;
  text: () => string;
} {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { stream, lines, text: () => raw.join('\n') };
}

export async function testServer(
  env: Record<string, string> = {},
  options: Partial<CreateServerOptions> = {},
): Promise<RuntimeServer> {
  return createServer({ definition: acmeDefinition(), config: testConfig(env), ...options });
}

const ACCEPT = 'application/json, text/event-stream';

/** One 2025-06-18 JSON-RPC POST to /mcp; returns status, headers and the parsed JSON-RPC message. */
export async function rpc(
  app: FastifyInstance,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  const res = await app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: res.statusCode, headers: res.headers, body: parseAnswer(res.body) };
}

/** The JSON-RPC message of a response body, plain JSON or one SSE `data:` event ({} when empty). */
function parseAnswer(text: string): Record<string, unknown> {
  const data =
    text.startsWith('event:') || text.startsWith('data:')
      ? (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6)
      : text;
  return data === '' ? {} : (JSON.parse(data) as Record<string, unknown>);
}

/** One JSON-RPC message POSTed over HTTP to `<baseUrl>/mcp` as a 2025-11-25 client. */
export async function postMcp(
  baseUrl: string,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': '2025-11-25',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  return { status: res.status, headers: res.headers, body: parseAnswer(await res.text()) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The result object of a JSON-RPC response (throws when it is an error). */
export function resultOf(body: Record<string, unknown>): Record<string, unknown> {
  if (body.error) throw new Error(`JSON-RPC error: ${JSON.stringify(body.error)}`);
  return body.result as Record<string, unknown>;
}
