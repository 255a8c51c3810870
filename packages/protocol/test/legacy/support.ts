import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type Caller, Dispatcher, type Interceptor, legacySsePlugin, mcpPlugin } from '../../src/index.ts';
import { exampleDefinition } from '../fixtures.ts';

/** Loads the official SDK v1 client with its legacy SSE transport. */
export async function loadSdkV1SseClient() {
  const [{ Client }, { SSEClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
  ]);
  return { Client, SSEClientTransport };
}

export const SECRET = 'legacy-sse-test-secret-0123456789abcdef';
/** Header the test's stand-in auth hook reads the caller's subject from. */
export const SUBJECT_HEADER = 'x-test-subject';

export interface AppOptions {
  redis?: Redis;
  redisPrefix?: string;
  keepAliveMs?: number;
  maxStreams?: number;
  maxBodyBytes?: number;
  interceptors?: Interceptor[];
  withMcp?: boolean;
  prefix?: string;
  publicPathPrefix?: string;
  allowedOrigins?: string[];
}

/** A server with the legacy SSE transport; `x-test-subject` plays the part of the runtime's auth hook. */
export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  // Request ids come from `x-request-id` so tests can follow one POST to the call it carried.
  const app = Fastify({ logger: false, requestIdHeader: 'x-request-id' });
  app.addHook('onRequest', async (request) => {
    const subject = request.headers[SUBJECT_HEADER];
    if (typeof subject === 'string') {
      const caller: Caller = { subject, kind: 'user', scopes: [], claims: {} };
      request.caller = caller;
    }
  });
  const dispatcher = new Dispatcher(exampleDefinition(), { interceptors: options.interceptors ?? [] });
  if (options.withMcp) await app.register(mcpPlugin, { dispatcher, requestStateSecret: SECRET });
  await app.register(legacySsePlugin, {
    dispatcher,
    requestStateSecret: SECRET,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    ...(options.maxStreams === undefined ? {} : { maxStreams: options.maxStreams }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.publicPathPrefix === undefined ? {} : { publicPathPrefix: options.publicPathPrefix }),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
  });
  return app;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface SseEvent {
  event: string;
  data: string;
}

/** A hand-driven SSE stream, to check the wire format the official client hides. */
export interface RawStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Data of the first event when it is `endpoint`. */
  endpoint: string | undefined;
  /** Comment lines (without the leading colon) seen so far. */
  comments: string[];
  /** Every event seen so far, in order. */
  events: SseEvent[];
  /** Resolves with the first event (past or future) matching `match`. */
  next(match: (event: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves with the first JSON-RPC message on the stream whose id is `id`. */
  response(id: number | string): Promise<Record<string, unknown>>;
  /** Resolves once a comment line containing `text` arrived. */
  comment(text: string): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Closes the connection (the client going away). */
  close(): void;
}

/** Opens an SSE stream over a connection of its own (closing it closes the socket, as a client leaving does). */
export async function openRawStream(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => boolean>();
  const wake = () => {
    for (const waiter of waiters) if (waiter()) waiters.delete(waiter);
  };
  const waitFor = <T>(probe: () => T | undefined) =>
    new Promise<T>((resolve) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return false;
        resolve(found);
        return true;
      };
      if (!check()) waiters.add(check);
    });

  const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  request.on('error', () => {});
  let onEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    onEnded = resolve;
  });
  const stream: RawStream = {
    status: response.statusCode ?? 0,
    headers: response.headers,
    endpoint: undefined,
    comments,
    events,
    next: (match) => waitFor(() => events.find(match)),
    async response(id) {
      const event = await stream.next(
        (e) => e.event === 'message' && (JSON.parse(e.data) as { id?: unknown }).id === id,
      );
      return JSON.parse(event.data) as Record<string, unknown>;
    },
    comment: (text) =>
      waitFor(() => (comments.some((c) => c.includes(text)) ? true : undefined)).then(() => {}),
    ended,
    close: () => request.destroy(),
  };
  response.once('close', onEnded);
  if (stream.status !== 200) {
    response.resume();
    return stream;
  }

  response.setEncoding('utf8');
  let buffer = '';
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) {
        const parsed = { event, data: data.join('\n') };
        if (events.length === 0 && event === 'endpoint') stream.endpoint = parsed.data;
        events.push(parsed);
      }
      end = buffer.indexOf('\n\n');
    }
    wake();
  });
  await Promise.race([waitFor(() => (events.length > 0 ? true : undefined)), ended]);
  return stream;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export const initialize = (protocolVersion: string, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-legacy-client', version: '0.0.1' } },
});

export const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };

export interface ProxiedRequest {
  upstream: string;
  method: string;
  url: string;
  status: number;
}

/**
 * A reverse proxy that sends each request to the next upstream in turn (no stickiness) and streams
 * responses through as they are written, like a load balancer in front of the replicas.
 */
export async function roundRobinProxy(upstreams: readonly string[]): Promise<{
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}> {
  const requests: ProxiedRequest[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const upstream = upstreams[next++ % upstreams.length] as string;
    const target = new URL(req.url ?? '/', upstream);
    const record: ProxiedRequest = { upstream, method: req.method ?? 'GET', url: req.url ?? '/', status: 0 };
    requests.push(record);
    const outgoing = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(record.status, upstreamRes.headers);
        res.flushHeaders();
        upstreamRes.pipe(res);
      },
    );
    outgoing.on('error', () => {
      if (record.status === 0) record.status = 502;
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An interceptor that reports when the first `slow` call with `delayMs` = `marker` starts and when its
 * handler's signal fires (other `slow` calls pass untouched).
 */
export function slowCallProbe(marker = 5000): {
  interceptor: Interceptor;
  started: Promise<void>;
  aborted: Promise<unknown>;
} {
  let onStart: () => void = () => {};
  let onAbort: (reason: unknown) => void = () => {};
  const started = new Promise<void>((resolve) => {
    onStart = resolve;
  });
  const aborted = new Promise<unknown>((resolve) => {
    onAbort = resolve;
  });
  const interceptor: Interceptor = async (call, next) => {
    if (call.name === 'slow' && call.rawArgs.delayMs === marker) {
      call.ctx.signal.addEventListener('abort', () => onAbort(call.ctx.signal.reason), { once: true });
      onStart();
    }
    return next();
  };
  return { interceptor, started, aborted };
}

export interface SeenCall {
  name: string;
  correlationId: string;
  subject: string;
  traceparent: string | undefined;
  client: { era: string; protocolVersion: string; name?: string };
}

/** An interceptor that records the context every `echo` call was given. */
export function contextRecorder(): { interceptor: Interceptor; calls: SeenCall[] } {
  const calls: SeenCall[] = [];
  const interceptor: Interceptor = async (call, next) => {
    if (call.name === 'echo') {
      calls.push({
        name: call.name,
        correlationId: call.ctx.correlationId,
        subject: call.ctx.caller.subject,
        traceparent: call.ctx.traceparent,
        client: call.ctx.client,
      });
    }
    return next();
  };
  return { interceptor, calls };
}
