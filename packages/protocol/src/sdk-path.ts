import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  createRequestStateCodec,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  type RequestStateCodec,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ClientInfo } from './definitions.ts';
import type { CallOutcome, Dispatcher } from './dispatcher.ts';
import { RpcError } from './errors.ts';
import type { PendingRequests } from './pending-requests.ts';
import { callContext, eraOf, type RequestInfo } from './request-info.ts';
import type { StatelessSession } from './stateless-sessions.ts';

/** Resolves the per-request info of an SDK handler context (set by whichever entry built the request). */
export type InfoResolver = (ctx: ServerContext) => RequestInfo;

export interface SdkServerOptions {
  dispatcher: Dispatcher;
  codec: RequestStateCodec<unknown>;
  resolveInfo: InfoResolver;
  /** The protocol version the entry saw in headers when the SDK cannot tell (stateless 2025 requests). */
  fallbackVersion?: (ctx: ServerContext) => string | undefined;
  /** A verified 2025 session: what the client declared at `initialize` (capabilities, identity). */
  session?: StatelessSession | undefined;
  /** Routes client answers to server-to-client requests back to this instance (any replica). */
  pending?: PendingRequests | undefined;
}

export function createStateCodec(secret: string, ttlSeconds = 600): RequestStateCodec<unknown> {
  return createRequestStateCodec<unknown>({ key: secret, ttlSeconds });
}

function clientOf(server: Server, ctx: ServerContext, fallbackVersion: string | undefined): ClientInfo {
  const envelope = ctx.mcpReq.envelope;
  const modernVersion = envelope?.[PROTOCOL_VERSION_META_KEY as keyof typeof envelope] as string | undefined;
  if (modernVersion !== undefined) {
    const info = envelope?.[CLIENT_INFO_META_KEY as keyof typeof envelope] as
      | { name?: string; version?: string }
      | undefined;
    const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY as keyof typeof envelope] as
      | Record<string, unknown>
      | undefined;
    return {
      era: eraOf(modernVersion),
      protocolVersion: modernVersion,
      ...(info?.name === undefined ? {} : { name: info.name }),
      ...(info?.version === undefined ? {} : { version: info.version }),
      ...(capabilities === undefined ? {} : { capabilities }),
    };
  }
  const version = fallbackVersion ?? '2025-03-26';
  const described = server.getClientVersion();
  const capabilities = server.getClientCapabilities() as Record<string, unknown> | undefined;
  return {
    era: eraOf(version),
    protocolVersion: version,
    ...(described?.name === undefined ? {} : { name: described.name }),
    ...(described?.version === undefined ? {} : { version: described.version }),
    ...(capabilities === undefined ? {} : { capabilities }),
  };
}

function progressFor(ctx: ServerContext): (progress: number, total?: number, message?: string) => void {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return () => {};
  return (progress, total, message) => {
    void ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message }),
        },
      })
      .catch(() => {});
  };
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RpcError) throw new ProtocolError(error.code, error.message, error.data);
    throw error;
  }
}

/**
 * The reference path: a low-level SDK `Server` whose handlers call the shared dispatcher. The SDK
 * owns the wire (both eras, `server/discover`, `initialize`, validation ladder, `input_required`
 * and `requestState` verification); construction is cheap because every table is pre-built.
 */
export function createSdkServer(options: SdkServerOptions): Server {
  const { dispatcher, codec, resolveInfo } = options;
  const def = dispatcher.definition;
  const server = new Server(
    { name: def.name, version: def.version, ...(def.title === undefined ? {} : { title: def.title }) },
    {
      capabilities: dispatcher.capabilities,
      ...(def.instructions === undefined ? {} : { instructions: def.instructions }),
      requestState: { verify: (state, ctx) => codec.verify(state, ctx) },
      // 2025-era calls: the SDK fulfils input_required with real server-to-client requests, whose
      // answers reach this instance through the pending-request registry (any replica).
      inputRequired: { legacyShim: true },
    },
  );
  if (options.session) {
    // A stateless 2025 request carries no handshake; the verified session restores what the client
    // declared at `initialize`, so the SDK may send it the server-to-client requests it supports.
    Object.assign(server, {
      _clientCapabilities: options.session.capabilities,
      _clientVersion: options.session.clientInfo,
    });
  }
  if (options.pending) routeAnswers(server, options.pending);
  const context = (ctx: ServerContext) => {
    const info = resolveInfo(ctx);
    const client = clientOf(server, ctx, options.fallbackVersion?.(ctx));
    return callContext(
      { ...info, signal: AbortSignal.any([info.signal, ctx.mcpReq.signal]) },
      client,
      progressFor(ctx),
      (level, data) => {
        void ctx.mcpReq.log(level, data).catch(() => {});
      },
    );
  };
  const round = (ctx: ServerContext) => ({
    inputResponses: ctx.mcpReq.inputResponses,
    requestState: ctx.mcpReq.requestState(),
  });
  const caps = dispatcher.capabilities;
  if (caps.tools) {
    server.setRequestHandler('tools/list', (req, ctx) =>
      guarded(() => dispatcher.listTools(req.params, resolveInfo(ctx).caller) as never),
    );
    server.setRequestHandler('tools/call', (req, ctx) =>
      guarded(() => dispatcher.callTool(req.params, context(ctx), round(ctx)) as Promise<never>),
    );
  }
  if (caps.resources) {
    server.setRequestHandler('resources/list', (req, ctx) =>
      guarded(() => dispatcher.listResources(req.params, context(ctx)) as Promise<never>),
    );
    server.setRequestHandler('resources/templates/list', (req, ctx) =>
      guarded(() => dispatcher.listResourceTemplates(req.params, resolveInfo(ctx).caller) as never),
    );
    server.setRequestHandler('resources/read', (req, ctx) =>
      guarded(() => dispatcher.readResource(req.params, context(ctx), round(ctx)) as Promise<never>),
    );
    if (def.resourceSubscriptions) {
      // Stateless serving keeps no per-client subscription table: subscribing validates the URI and
      // acknowledges; updates reach clients through 2026 `subscriptions/listen` streams (the bus).
      const acknowledge = (params: { uri?: unknown } | undefined) => {
        const uri = params?.uri;
        if (typeof uri !== 'string' || !dispatcher.hasResource(uri)) {
          throw new RpcError(
            -32602,
            `Resource not found: ${String(uri)}. Subscribe to a URI from resources/list.`,
          );
        }
        return {};
      };
      server.setRequestHandler('resources/subscribe', (req) =>
        guarded(() => acknowledge(req.params) as never),
      );
      server.setRequestHandler('resources/unsubscribe', (req) =>
        guarded(() => acknowledge(req.params) as never),
      );
    }
  }
  if (caps.prompts) {
    server.setRequestHandler('prompts/list', (req, ctx) =>
      guarded(() => dispatcher.listPrompts(req.params, resolveInfo(ctx).caller) as never),
    );
    server.setRequestHandler('prompts/get', (req, ctx) =>
      guarded(() => dispatcher.getPrompt(req.params, context(ctx), round(ctx)) as Promise<never>),
    );
  }
  if (caps.completions) {
    server.setRequestHandler('completion/complete', (req, ctx) =>
      guarded(() => dispatcher.complete(req.params, context(ctx)) as Promise<never>),
    );
  }
  return server;
}

/** Rewrites outgoing request ids to replica-unique ones and lets the registry deliver the answers. */
function routeAnswers(server: Server, pending: PendingRequests): void {
  const connect = server.connect.bind(server);
  server.connect = async (transport) => {
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) => {
      if ('method' in message && 'id' in message && message.id !== undefined) {
        const id = pending.register(message.id, {
          deliver: (answer) => transport.onmessage?.(answer as never),
        });
        return send({ ...message, id }, sendOptions);
      }
      return send(message, sendOptions);
    };
    return connect(transport);
  };
}

export type { CallOutcome };
