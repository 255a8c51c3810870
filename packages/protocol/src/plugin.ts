import {
  createMcpHandler,
  type McpHttpHandler,
  type ServerEventBus,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { ANONYMOUS, type Caller } from './definitions.ts';
import type { Dispatcher } from './dispatcher.ts';
import { RpcCode } from './errors.ts';
import { planFast, serveFast } from './fast-path.ts';
import {
  addJsonRpcParsers,
  jsonRpcError,
  jsonRpcErrorHandler,
  originGuard,
  PARSE_FAILED,
  TOO_DEEP,
  TOO_DEEP_MESSAGE,
  UNSUPPORTED_MEDIA,
} from './http-guards.ts';
import { PendingRequests } from './pending-requests.ts';
import { type RequestInfo, traceContextOf } from './request-info.ts';
import { createSdkServer, createStateCodec } from './sdk-path.ts';
import { createStatelessSessionCodec, type StatelessSession } from './stateless-sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the runtime's auth hook, anonymous otherwise. */
    caller?: Caller;
  }
}

export { jsonRpcError };

export interface McpPluginOptions {
  dispatcher: Dispatcher;
  /** HMAC key (≥ 32 bytes) protecting `requestState`; the same on every replica. */
  requestStateSecret: string;
  /** Endpoint path. */
  path?: string;
  /** Largest accepted request body in bytes (413 above it). */
  maxBodyBytes?: number;
  /**
   * Origins allowed to call from a browser. Requests without an `Origin` header (non-browser
   * clients) are allowed; any other origin is refused with 403 (DNS-rebinding defence).
   */
  allowedOrigins?: readonly string[];
  /** Serve hot methods without building SDK objects per request (default true). */
  fastPath?: boolean;
  /**
   * Change-event bus behind 2026 `subscriptions/listen` streams; defaults to in-process. Pass a
   * shared (e.g. Redis-backed) bus so an update published on one replica reaches every replica.
   */
  eventBus?: ServerEventBus;
  /**
   * Redis for what crosses replicas: answers to server-to-client requests (2025 era) reach the
   * replica holding the call. Without it, single-process behaviour.
   */
  redis?: Redis;
  /** Builds the Redis subscriber connection (default `redis.duplicate()`); it needs an offline queue. */
  createSubscriber?: () => Redis;
  /** Observes which path served each POST (metrics, tests). */
  onServe?: (path: 'fast' | 'sdk', method: string | undefined) => void;
}

function isAnswer(message: Record<string, unknown>): boolean {
  return (
    message.method === undefined && message.id !== undefined && ('result' in message || 'error' in message)
  );
}

function isModern(request: FastifyRequest, message: Record<string, unknown>): boolean {
  const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  return (
    request.headers['mcp-protocol-version'] === '2026-07-28' ||
    (meta !== undefined && 'io.modelcontextprotocol/protocolVersion' in meta)
  );
}

/** What a 2025 `initialize` declares, to seal into the session id we answer it with. */
function legacyInitialize(body: unknown): Omit<StatelessSession, 'iat' | 'subject'> | undefined {
  const message = body as { method?: unknown; params?: Record<string, unknown> } | undefined;
  if (message?.method !== 'initialize' || typeof message.params !== 'object' || message.params === null)
    return undefined;
  const { protocolVersion, clientInfo, capabilities } = message.params as {
    protocolVersion?: unknown;
    clientInfo?: { name?: unknown; version?: unknown };
    capabilities?: unknown;
  };
  if (typeof protocolVersion !== 'string' || protocolVersion >= '2026-07-28') return undefined;
  return {
    protocolVersion,
    ...(clientInfo && typeof clientInfo === 'object'
      ? { clientInfo: { name: String(clientInfo.name ?? ''), version: String(clientInfo.version ?? '') } }
      : {}),
    capabilities:
      typeof capabilities === 'object' && capabilities !== null
        ? (capabilities as Record<string, unknown>)
        : {},
  };
}

/** Copies Node headers into a web `Headers` (multi-value headers joined as the spec allows). */
function webHeaders(request: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function mcpPluginImpl(app: FastifyInstance, options: McpPluginOptions): Promise<void> {
  const { dispatcher } = options;
  const path = options.path ?? '/mcp';
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const useFastPath = options.fastPath ?? true;
  const codec = createStateCodec(options.requestStateSecret);
  const def = dispatcher.definition;
  const serverInfo = {
    name: def.name,
    version: def.version,
    ...(def.title === undefined ? {} : { title: def.title }),
  };

  const sessions = createStatelessSessionCodec(options.requestStateSecret);
  const pending = new PendingRequests({
    redis: options.redis,
    channelPrefix: `mcp:rpc-response:${def.name}:`,
  });
  app.addHook('onReady', async () => pending.start());
  app.addHook('onClose', async () => pending.close());

  // Per-request info travels to the SDK path's factory through the web Request it is built for.
  const infoByRequest = new WeakMap<Request, RequestInfo>();
  const sessionByRequest = new WeakMap<Request, StatelessSession>();
  const handler: McpHttpHandler = createMcpHandler(
    (rc) => {
      const info = rc.requestInfo ? infoByRequest.get(rc.requestInfo) : undefined;
      if (!info) throw new Error('MCP request reached the SDK without request info');
      const headerVersion = rc.requestInfo?.headers.get('mcp-protocol-version') ?? undefined;
      return createSdkServer({
        dispatcher,
        codec,
        resolveInfo: () => info,
        fallbackVersion: () => headerVersion,
        session: rc.requestInfo ? sessionByRequest.get(rc.requestInfo) : undefined,
        pending,
      });
    },
    {
      ...(options.eventBus === undefined ? {} : { bus: options.eventBus }),
      maxRequestBodySize: maxBodyBytes,
      onerror: (error) => app.log.debug({ err: error }, 'MCP SDK rejected or failed a request'),
    },
  );
  app.addHook('onClose', async () => handler.close());

  app.decorate('mcpDispatcher', dispatcher);
  app.decorate('mcpNotify', handler.notify);

  addJsonRpcParsers(app, maxBodyBytes);

  app.setErrorHandler(jsonRpcErrorHandler(maxBodyBytes, 'MCP request'));

  const checkOrigin = originGuard(options.allowedOrigins, 'MCP request');

  const requestInfo = (
    request: FastifyRequest,
    reply: FastifyReply,
    message?: unknown,
    sessionId?: string,
  ): RequestInfo => {
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new Error('client closed the response stream'));
    });
    return {
      caller: request.caller ?? ANONYMOUS,
      log: request.log,
      correlationId: request.id,
      ...traceContextOf(request.headers, message),
      ...(sessionId === undefined ? {} : { sessionId }),
      signal: controller.signal,
    };
  };

  const viaSdk = async (
    request: FastifyRequest,
    reply: FastifyReply,
    info: RequestInfo,
    parsedBody?: unknown,
    session?: StatelessSession,
  ) => {
    const url = `http://${request.headers.host ?? 'localhost'}${request.url}`;
    const webRequest = new Request(url, {
      method: request.method,
      headers: webHeaders(request),
      signal: info.signal,
    });
    infoByRequest.set(webRequest, info);
    if (session) sessionByRequest.set(webRequest, session);
    const response = await handler.fetch(webRequest, parsedBody === undefined ? {} : { parsedBody });
    reply.code(response.status);
    response.headers.forEach((value, name) => {
      reply.header(name, value);
    });
    const initialize = legacyInitialize(parsedBody);
    if (initialize && response.status === 200) {
      reply.header('mcp-session-id', sessions.mint({ ...initialize, subject: info.caller.subject }));
    }
    if (response.body === null) return reply.send();
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      reply.header('x-accel-buffering', 'no');
      return reply.send(response.body);
    }
    return reply.send(Buffer.from(await response.arrayBuffer()));
  };

  app.post(path, { onRequest: checkOrigin, bodyLimit: maxBodyBytes }, async (request, reply) => {
    const body = request.body;
    if (body === UNSUPPORTED_MEDIA) {
      return reply
        .code(415)
        .send(
          jsonRpcError(
            null,
            -32000,
            'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json',
          ),
        );
    }
    if (body === TOO_DEEP)
      return reply.code(400).send(jsonRpcError(null, RpcCode.InvalidRequest, TOO_DEEP_MESSAGE));
    if (body === PARSE_FAILED || body === undefined) {
      return reply
        .code(400)
        .send(jsonRpcError(null, RpcCode.ParseError, 'Parse error: the request body is not valid JSON'));
    }
    if (Array.isArray(body)) {
      return reply
        .code(400)
        .send(
          jsonRpcError(
            null,
            RpcCode.InvalidRequest,
            'Invalid Request: JSON-RPC batches are not supported; send one message per POST',
          ),
        );
    }
    const message = body as Record<string, unknown>;
    if (isAnswer(message)) {
      // A 2025 client answering a server-to-client request (sampling, elicitation, roots).
      if (await pending.route(message)) return reply.code(202).send();
      return reply
        .code(404)
        .send(
          jsonRpcError(
            message.id,
            -32001,
            'No request with this id is in flight: it finished, timed out, or was never sent',
          ),
        );
    }
    let session: StatelessSession | undefined;
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && !isModern(request, message)) {
      session = sessions.verify(sessionId, (request.caller ?? ANONYMOUS).subject);
      if (!session) {
        return reply
          .code(404)
          .send(
            jsonRpcError(
              message.id,
              -32001,
              'Session not found or expired: send initialize again to start a new session',
            ),
          );
      }
    }
    const info = requestInfo(request, reply, message, session ? (sessionId as string) : undefined);
    if (useFastPath) {
      const plan = planFast(dispatcher, { headers: request.headers, body, session });
      if (plan) {
        options.onServe?.('fast', plan.method);
        const out = await serveFast(dispatcher, plan, info, serverInfo);
        return reply.code(out.status).header('content-type', out.contentType).send(Buffer.from(out.body));
      }
    }
    options.onServe?.(
      'sdk',
      typeof (body as { method?: unknown }).method === 'string'
        ? (body as { method: string }).method
        : undefined,
    );
    return viaSdk(request, reply, info, body, session);
  });

  // GET/DELETE: the SDK answers (405 for the stateless 2025 serving and the 2026 revision).
  const bodyless = async (request: FastifyRequest, reply: FastifyReply) =>
    viaSdk(request, reply, requestInfo(request, reply));
  app.get(path, { onRequest: checkOrigin }, bodyless);
  app.delete(path, { onRequest: checkOrigin }, bodyless);
}

declare module 'fastify' {
  interface FastifyInstance {
    mcpDispatcher: Dispatcher;
    /** Publishes list-changed and resource-updated events to open `subscriptions/listen` streams. */
    mcpNotify: ServerNotifier;
  }
}

/** Fastify plugin serving MCP (2026-07-28 and 2025-era Streamable HTTP) at `path` (default `/mcp`). */
export const mcpPlugin = fp(mcpPluginImpl, { name: '@mcp-platform/protocol', fastify: '5.x' });
