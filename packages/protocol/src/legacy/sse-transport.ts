import { randomUUID } from 'node:crypto';
import fastifySse from '@fastify/sse';
import {
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type RequestId,
  type Server,
  type ServerContext,
  type Transport,
} from '@modelcontextprotocol/server';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { ANONYMOUS, type Caller } from '../definitions.ts';
import type { Dispatcher } from '../dispatcher.ts';
import { RpcCode } from '../errors.ts';
import {
  addJsonRpcParsers,
  jsonRpcError,
  jsonRpcErrorHandler,
  originGuard,
  PARSE_FAILED,
  TOO_DEEP,
  TOO_DEEP_MESSAGE,
  UNSUPPORTED_MEDIA,
} from '../http-guards.ts';
import type { RequestInfo } from '../request-info.ts';
import { createSdkServer, createStateCodec } from '../sdk-path.ts';
import { OutageLog } from '../unavailable.ts';
import {
  LocalSseRelay,
  RedisSseRelay,
  type RelayEnvelope,
  type SseRelay,
  type SseSessionRecord,
} from './sse-relay.ts';

export interface LegacySsePluginOptions {
  dispatcher: Dispatcher;
  /** HMAC key protecting `requestState` (the same secret as `mcpPlugin`'s). */
  requestStateSecret: string;
  /**
   * Redis command connection; when set, sessions are shared by every replica and a POST may reach
   * any of them. Without it the plugin runs in single-process mode.
   */
  redis?: Redis;
  /** Creates the dedicated subscriber connection (default `redis.duplicate()`); closed with the app. */
  createSubscriber?: () => Redis;
  /** Prefix of Redis keys and channels; default `mcp:sse:<server name>:`. */
  redisPrefix?: string;
  /** Path of the SSE stream (within the register prefix). */
  ssePath?: string;
  /** Path of the POST endpoint (within the register prefix). */
  messagesPath?: string;
  /**
   * Path the clients see in front of the routes when a reverse proxy mounts the server under a
   * sub-path (e.g. `/crm`); the `endpoint` event names `<publicPathPrefix><register prefix><messagesPath>`.
   */
  publicPathPrefix?: string;
  /** Interval of keep-alive comments on the stream (and session refreshes in Redis). */
  keepAliveMs?: number;
  /** Lifetime of a session in Redis without a keep-alive; default 4 × keepAliveMs, at least 10 s. */
  sessionTtlMs?: number;
  /** Open streams per process; further `GET /sse` answer 503. */
  maxStreams?: number;
  /** Largest accepted POST body in bytes (413 above it). */
  maxBodyBytes?: number;
  /** Browser origins allowed (same rules as `mcpPlugin`: `loopback` admits localhost origins). */
  allowedOrigins?: readonly string[];
}

const SESSION_NOT_FOUND = -32001;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function requestKey(id: RequestId): string {
  return `${typeof id}:${String(id)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the message of one in-flight request came from (for its handler's correlation id). */
interface Origin {
  correlationId: string;
  traceparent?: string;
  /** The caller of the POST that carried the request (the session's owner, with its current token). */
  caller?: Caller;
  info?: RequestInfo;
}

/**
 * The SDK `Transport` of one legacy SSE session: messages arrive from the relay, replies go down the
 * session's stream as `event: message`.
 */
class SseSessionTransport implements Transport {
  readonly sessionId: string;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private closed = false;
  private readonly write: (message: JSONRPCMessage) => Promise<void>;
  private readonly end: () => void;

  constructor(sessionId: string, write: (message: JSONRPCMessage) => Promise<void>, end: () => void) {
    this.sessionId = sessionId;
    this.write = write;
    this.end = end;
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    await this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.end();
    this.onclose?.();
  }

  receive(message: JSONRPCMessage): void {
    if (!this.closed) this.onmessage?.(message);
  }
}

/** One open stream on this replica: its SDK server, its owner and its in-flight requests. */
class SseSession {
  readonly id: string;
  readonly caller: Caller;
  readonly record: SseSessionRecord;
  readonly log: FastifyBaseLogger;
  readonly transport: SseSessionTransport;
  readonly server: Server;
  private readonly controller = new AbortController();
  private readonly origins = new Map<string, Origin>();
  private keepAlive: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    id: string,
    caller: Caller,
    log: FastifyBaseLogger,
    reply: FastifyReply,
    create: (s: SseSession) => Server,
  ) {
    this.id = id;
    this.caller = caller;
    this.record = { owner: caller.subject, createdAt: Date.now() };
    this.log = log;
    this.transport = new SseSessionTransport(
      id,
      async (message) => {
        if ('id' in message && ('result' in message || 'error' in message) && message.id !== undefined) {
          this.origins.delete(requestKey(message.id));
        }
        if (!reply.sse.isConnected) return;
        try {
          await reply.sse.send({ event: 'message', data: message });
        } catch (error) {
          this.log.debug({ err: error }, 'legacy SSE: could not write to a closing stream');
        }
      },
      () => reply.sse.close(),
    );
    this.server = create(this);
    this.server.onerror = (error) =>
      this.log.debug({ err: error }, 'legacy SSE: SDK server reported an error');
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  startKeepAlive(intervalMs: number, tick: () => void): void {
    if (this.closing) return;
    this.keepAlive = setInterval(tick, intervalMs);
    this.keepAlive.unref();
  }

  /** A message relayed from whichever replica received its POST. */
  deliver(envelope: RelayEnvelope): void {
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(envelope.message);
    } catch {
      this.log.warn('legacy SSE: dropped a relayed message that is not JSON-RPC');
      return;
    }
    if ('method' in message && 'id' in message && message.id !== undefined) {
      // Only the owner may post (checked on POST); the subject is checked again here.
      const caller = envelope.caller?.subject === this.caller.subject ? envelope.caller : undefined;
      this.origins.set(requestKey(message.id), {
        correlationId: envelope.correlationId,
        ...(envelope.traceparent === undefined ? {} : { traceparent: envelope.traceparent }),
        ...(caller === undefined ? {} : { caller }),
      });
    }
    this.transport.receive(message);
  }

  /** The request info of the message an SDK handler is serving. */
  infoFor(ctx: ServerContext): RequestInfo {
    const origin = this.origins.get(requestKey(ctx.mcpReq.id));
    if (origin?.info) return origin.info;
    const correlationId = origin?.correlationId ?? this.id;
    const info: RequestInfo = {
      caller: origin?.caller ?? this.caller,
      log: this.log.child({ correlationId }),
      correlationId,
      ...(origin?.traceparent === undefined ? {} : { traceparent: origin.traceparent }),
      signal: this.controller.signal,
    };
    if (origin) origin.info = info;
    return info;
  }

  /** Ends the session: aborts in-flight calls, stops keep-alives, closes the SDK server and the stream. */
  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.keepAlive);
      this.controller.abort(new Error(`legacy SSE stream closed: ${reason}`));
      this.origins.clear();
      await this.server
        .close()
        .catch((error: unknown) => this.log.debug({ err: error }, 'legacy SSE: server close failed'));
    })();
    return this.closing;
  }
}

function badRequest(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).send(jsonRpcError(null, code, message));
}

/**
 * The deprecated 2024-11-05 HTTP+SSE transport: `GET /sse` opens a stream whose first event names
 * the POST endpoint; `POST /messages?sessionId=…` answers 202 and the reply travels down the
 * stream. Registered without `fastify-plugin` on purpose: its body parsers and error handler stay
 * in its own scope, so it coexists with `mcpPlugin` on one instance.
 */
export async function legacySsePlugin(app: FastifyInstance, options: LegacySsePluginOptions): Promise<void> {
  const { dispatcher } = options;
  const ssePath = options.ssePath ?? '/sse';
  const messagesPath = options.messagesPath ?? '/messages';
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const sessionTtlMs = options.sessionTtlMs ?? Math.max(keepAliveMs * 4, 10_000);
  const maxStreams = options.maxStreams ?? 1000;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  for (const [name, value] of Object.entries({ keepAliveMs, sessionTtlMs, maxStreams, maxBodyBytes })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`legacySsePlugin option ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  const codec = createStateCodec(options.requestStateSecret);
  const endpointPath = `${options.publicPathPrefix ?? ''}${app.prefix}${messagesPath}`;
  const relay: SseRelay = options.redis
    ? new RedisSseRelay({
        redis: options.redis,
        ...(options.createSubscriber === undefined ? {} : { createSubscriber: options.createSubscriber }),
        prefix: options.redisPrefix ?? `mcp:sse:${dispatcher.definition.name}:`,
        ttlMs: sessionTtlMs,
        log: app.log,
      })
    : new LocalSseRelay();
  const sessions = new Map<string, SseSession>();
  // During a Redis outage every refused POST would log an error: log the outage once, count the rest.
  const storeOutage = new OutageLog({
    down: 'legacy SSE: session store unavailable; refusing messages for streams held elsewhere (logged once per outage)',
    up: 'legacy SSE: session store reachable again',
  });

  // The package's default export is the fastify-plugin wrapped function (its onRoute hook must see
  // this scope's routes); its CommonJS typings only describe the named, unwrapped one.
  if (!app.hasPlugin('@fastify/sse')) await app.register(fastifySse as unknown as FastifyPluginAsync);

  // This scope parses its own bodies: malformed JSON becomes JSON-RPC -32700, whatever the parent registered.
  app.removeAllContentTypeParsers();
  addJsonRpcParsers(app, maxBodyBytes);

  app.setErrorHandler(jsonRpcErrorHandler(maxBodyBytes, 'legacy SSE request'));

  const checkOrigin = originGuard(options.allowedOrigins, 'legacy SSE request');

  const closeSession = async (session: SseSession, reason: string) => {
    if (sessions.get(session.id) !== session) return;
    sessions.delete(session.id);
    // Stop accepting messages for the session before aborting what it is running.
    const unregistered = relay
      .unregister(session.id)
      .catch((error: unknown) =>
        session.log.warn({ err: error }, 'legacy SSE: could not remove the session record'),
      );
    await session.close(reason);
    await unregistered;
    session.log.info({ reason }, 'legacy SSE session closed');
  };

  app.addHook('preClose', async () => {
    await Promise.all([...sessions.values()].map((session) => closeSession(session, 'server shutting down')));
  });
  app.addHook('onClose', async () => relay.close());

  app.get(
    ssePath,
    {
      onRequest: checkOrigin,
      // A HEAD would open (and leak) a session without ever reading it.
      exposeHeadRoute: false,
      sse: {
        kind: 'only',
        heartbeat: false,
        serializer: (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)),
      },
    },
    async (request, reply) => {
      if (sessions.size >= maxStreams) {
        request.log.warn({ maxStreams }, 'legacy SSE: stream limit reached');
        reply.header('retry-after', '5');
        return badRequest(
          reply,
          503,
          -32000,
          `Too many open SSE streams on this replica (limit ${maxStreams}); retry shortly`,
        );
      }
      const caller = request.caller ?? ANONYMOUS;
      const id = randomUUID();
      const log = request.log.child({ sessionId: id });
      const session = new SseSession(id, caller, log, reply, (s) =>
        createSdkServer({
          dispatcher,
          codec,
          resolveInfo: (ctx) => s.infoFor(ctx),
          fallbackVersion: () => s.server.getNegotiatedProtocolVersion(),
        }),
      );
      sessions.set(id, session);
      reply.sse.onClose(() => void closeSession(session, 'client closed the stream'));

      try {
        await session.server.connect(session.transport);
        await relay.register(id, session.record, (envelope) => session.deliver(envelope));
      } catch (error) {
        await closeSession(session, 'session store unavailable');
        request.log.error({ err: error }, 'legacy SSE: could not register the session');
        return badRequest(reply, 503, -32000, 'Session store unavailable: retry shortly');
      }
      if (sessions.get(id) !== session || !reply.sse.isConnected) {
        // The client left while the session was being registered: undo what registration did.
        await closeSession(session, 'client closed the stream');
        await relay.unregister(id).catch(() => {});
        return;
      }

      reply.sse.keepAlive();
      await reply.sse.send({ event: 'endpoint', data: `${endpointPath}?sessionId=${id}` });
      session.startKeepAlive(keepAliveMs, () => {
        if (reply.sse.isConnected) reply.raw.write(': keep-alive\n\n');
        relay
          .refresh(id, session.record)
          .catch((error: unknown) =>
            log.warn({ err: error }, 'legacy SSE: could not refresh the session record'),
          );
      });
      log.info({ owner: caller.subject }, 'legacy SSE session opened');
    },
  );

  app.post(messagesPath, { onRequest: checkOrigin, bodyLimit: maxBodyBytes }, async (request, reply) => {
    const sessionId = (request.query as Record<string, unknown> | undefined)?.sessionId;
    if (typeof sessionId !== 'string' || !UUID.test(sessionId)) {
      return badRequest(
        reply,
        400,
        RpcCode.InvalidRequest,
        `Missing or malformed sessionId: use the endpoint URL announced on ${ssePath}`,
      );
    }
    const body = request.body;
    if (body === UNSUPPORTED_MEDIA) {
      return badRequest(
        reply,
        415,
        -32000,
        'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json',
      );
    }
    if (body === TOO_DEEP) return badRequest(reply, 400, RpcCode.InvalidRequest, TOO_DEEP_MESSAGE);
    if (body === PARSE_FAILED || body === undefined) {
      return badRequest(reply, 400, RpcCode.ParseError, 'Parse error: the request body is not valid JSON');
    }
    if (Array.isArray(body)) {
      return badRequest(
        reply,
        400,
        RpcCode.InvalidRequest,
        'Invalid Request: JSON-RPC batches are not supported; send one message per POST',
      );
    }
    const notFound = () =>
      badRequest(
        reply,
        404,
        SESSION_NOT_FOUND,
        `Session not found or expired: reconnect to ${ssePath} to start a new session`,
      );

    let record: SseSessionRecord | undefined;
    try {
      record = await relay.lookup(sessionId);
    } catch (error) {
      storeOutage.failed(request.log, 'session store', error);
      return badRequest(reply, 503, -32000, 'Session store unavailable: retry shortly');
    }
    if (!record) return notFound();
    if (record.owner !== (request.caller ?? ANONYMOUS).subject) {
      request.log.warn(
        { sessionId },
        'legacy SSE: refused a message for a session opened by another principal',
      );
      return badRequest(
        reply,
        403,
        -32000,
        `Forbidden: this session belongs to another principal; open your own stream at ${ssePath}`,
      );
    }
    if (!isRecord(body)) {
      return badRequest(
        reply,
        400,
        RpcCode.InvalidRequest,
        'Invalid Request: the body must be one JSON-RPC message object',
      );
    }
    try {
      parseJSONRPCMessage(body);
    } catch {
      return badRequest(
        reply,
        400,
        RpcCode.InvalidRequest,
        'Invalid Request: the body is not a JSON-RPC 2.0 request, notification or response',
      );
    }

    const traceparent = request.headers.traceparent;
    let delivered: boolean;
    try {
      delivered = await relay.publish(sessionId, {
        message: body,
        correlationId: request.id,
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
        ...(request.caller === undefined ? {} : { caller: request.caller }),
      });
    } catch (error) {
      storeOutage.failed(request.log, 'session store', error);
      return badRequest(reply, 503, -32000, 'Session store unavailable: retry shortly');
    }
    storeOutage.succeeded(request.log, 'session store');
    if (!delivered) return notFound();
    return reply.code(202).type('text/plain; charset=utf-8').send('Accepted');
  });
}
