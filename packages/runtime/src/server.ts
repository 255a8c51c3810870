import {
  createStateCodec,
  Dispatcher,
  legacySsePlugin,
  loopbackHosts,
  mcpPlugin,
  type RefusedAnswer,
  registerBrowserGuard,
  type ServerDefinition,
  setCursorKey,
} from '@mcp-platform/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { DestinationStream } from 'pino';
import { approvalsUnavailableFeature } from './approval-guard.ts';
import { consoleOptions } from './approvals/console/from-config.ts';
import {
  ApprovalNotifier,
  createApprovalsFeature,
  needsApproval,
  withApprovalArgument,
} from './approvals/index.ts';
import { type AuditFeature, createAuditFeature } from './audit/feature.ts';
import { createPool } from './audit/pool.ts';
import { authenticationFeature } from './auth/authentication.ts';
import type { JwtVerifier } from './auth/jwt.ts';
import { metadataPath } from './auth/metadata.ts';
import { allScopes, authorizationFeature, readScopes } from './auth/scopes.ts';
import type { RuntimeConfig } from './config.ts';
import { buildContract } from './contract/build.ts';
import { deprecationFeature } from './contract/deprecation.ts';
import { contractFeature } from './contract/feature.ts';
import type { Contract } from './contract/model.ts';
import { CATALOG_HASH_META_KEY } from './contract/model.ts';
import { registerCors } from './cors.ts';
import { auditDeniedCall, auditRefusedAnswer } from './denied-audit.ts';
import type { ReadinessCheck, RuntimeFeature } from './feature.ts';
import { orderFeatures, orderForClose } from './feature-order.ts';
import { type NamedCheck, registerHealthRoutes } from './health.ts';
import { Lifecycle, lifecycleFeature, registerDrainHooks } from './lifecycle.ts';
import { isLoopbackHost } from './net.ts';
import { observabilityFeature } from './observability/feature.ts';
import { genReqId, loggerOptions, traceIdOf } from './observability/logger.ts';
import { createMetrics, type RuntimeMetrics } from './observability/metrics.ts';
import { rateLimitFeature } from './rate-limit/feature.ts';
import { closeRedis, createRedis, createSubscriber, redisReadiness, waitForRedis } from './redis.ts';
import { within } from './time-box.ts';

/** Shared resources a feature factory can use (built once per server, closed by it). */
export interface RuntimeDeps {
  config: RuntimeConfig;
  definition: ServerDefinition;
  metrics: RuntimeMetrics;
  log: FastifyBaseLogger;
  /** The server's Redis connection (when REDIS_URL is set). */
  redis: Redis | undefined;
  /** The server's PostgreSQL pool (when DATABASE_URL is set). */
  pool: pg.Pool | undefined;
}

export type FeatureList = readonly RuntimeFeature[];

export interface CreateServerOptions {
  definition: ServerDefinition;
  config: RuntimeConfig;
  /** Extra features (or a factory using the shared Redis/PostgreSQL/metrics), composed with the built-in ones. */
  features?: FeatureList | ((deps: RuntimeDeps) => FeatureList | Promise<FeatureList>);
  /** Backend reachability checks for `/readyz`, by name (e.g. `salesforce`). */
  backendChecks?: Readonly<Record<string, () => Promise<ReadinessCheck>>>;
  /** Metrics to use (so backends built before the server can share them); default: a new registry. */
  metrics?: RuntimeMetrics;
  /** Log destination (default stdout). */
  logStream?: DestinationStream;
  /** The audit trail (default: AUDIT_ENABLED, when DATABASE_URL is set). */
  audit?: boolean;
  /**
   * Approvals for tools with `policy.approval` (default: on when DATABASE_URL is set). Without them
   * such tools are refused (APPROVALS_UNAVAILABLE), never run unapproved.
   */
  approvals?: boolean;
  /** Verifier override (tests). */
  jwtVerifier?: JwtVerifier;
  /** Time each `/readyz` check gets. */
  readyTimeoutMs?: number;
  /** How long `/readyz` reuses its last result (default 1 s). */
  readyCacheMs?: number;
  /** MCP endpoint path (default `/mcp`). */
  mcpPath?: string;
  /** Serve the deprecated 2024-11-05 HTTP+SSE transport at /sse + /messages (default true). */
  legacySse?: boolean;
  /**
   * Stopped after the features (audit flush last) and the pools: the embedded database they talk to.
   * Also runs when building the server fails.
   */
  closeLast?: () => Promise<void>;
  /** Serve hot methods without the SDK's per-request objects (default true; false: SDK path only). */
  fastPath?: boolean;
}

/** A composed server: the Fastify app plus what `runServer` and tests need to drive its lifecycle. */
export interface RuntimeServer {
  app: FastifyInstance;
  dispatcher: Dispatcher;
  /** The catalog as served (what `/.well-known/mcp-contract.json` shows; its hash is in tools/list `_meta`). */
  contract: Contract;
  metrics: RuntimeMetrics;
  lifecycle: Lifecycle;
  /** Every feature in interceptor order. */
  features: FeatureList;
  redis: Redis | undefined;
  pool: pg.Pool | undefined;
  /** Listens on HOST:PORT; resolves with the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful stop: readiness 503 at once, requests still answered with `Connection: close`, in-flight
   * calls get `graceMs` (default SHUTDOWN_GRACE_MS) and are then aborted, connections are closed once
   * quiet, then features close (audit flush last), then pools.
   */
  shutdown(graceMs?: number): Promise<void>;
}

const LEGACY_SSE_PATH = '/sse';
const LEGACY_MESSAGES_PATH = '/messages';

/**
 * Builds one server from a definition: Fastify with logging, request ids and trust-proxy; OAuth
 * resource server; the features' interceptors in the fixed order (observability → audit →
 * authorization → rate limit → approvals → domain → handler); the MCP endpoint (Streamable HTTP,
 * both eras) and the legacy SSE transport; `/healthz`, `/readyz`, `/metrics`. Resolves when ready.
 */
export async function createServer(options: CreateServerOptions): Promise<RuntimeServer> {
  const { definition, config } = options;
  const mcpPath = options.mcpPath ?? '/mcp';
  const legacySse = options.legacySse ?? true;
  const scopePrefix = config.OAUTH_SCOPE_PREFIX ?? definition.name;
  const metrics = options.metrics ?? createMetrics({ server: definition.name });
  if (metrics.server !== definition.name) {
    throw new Error(
      `The metrics are labelled server="${metrics.server}" but the definition is named "${definition.name}"`,
    );
  }
  const app = Fastify({
    logger: {
      ...loggerOptions(config.LOG_LEVEL, definition.name),
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    } as never,
    genReqId,
    // A hop count becomes proxy-addr's trust function (Fastify's types only list the other forms).
    trustProxy:
      typeof config.TRUST_PROXY === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.TRUST_PROXY)
        : config.TRUST_PROXY,
    // Probes and scrapes are not worth two log lines each.
    logController: new LogController({
      disableRequestLogging: (request) => request.routeOptions.config?.public === true,
    }),
    childLoggerFactory: (logger, bindings, opts, rawReq) => {
      const traceId = traceIdOf(rawReq as never);
      return logger.child(traceId === undefined ? bindings : { ...bindings, traceId }, opts);
    },
    return503OnClosing: true,
    // Advertise a short keep-alive (clients that honour it drop idle connections first), keep idle
    // connections open for the longer idle timeout (a load balancer in front closes first).
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_HINT_MS,
    // Slow-body and slow-header connections are cut by the server itself, not only by an ingress.
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
      // Node checks these timeouts on an interval (30 s by default): check often enough to honour them.
      connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
      keepAliveTimeoutBuffer: config.HTTP_IDLE_TIMEOUT_MS - config.HTTP_KEEP_ALIVE_HINT_MS,
    },
  });
  const log = app.log;
  // Tool cursors are sealed with a key every replica shares.
  setCursorKey(config.REQUEST_STATE_SECRET);
  const lifecycle = new Lifecycle();
  const redis = config.REDIS_URL === undefined ? undefined : createRedis(config.REDIS_URL, log);
  const pool = config.DATABASE_URL === undefined ? undefined : createPool(config.DATABASE_URL, { max: 6 });
  const owned: FeatureList[] = [];
  let closed = false;

  const closeResources = async (features: FeatureList) => {
    if (closed) return;
    closed = true;
    for (const feature of orderForClose(features)) {
      try {
        await feature.close?.();
      } catch (error) {
        log.error({ err: error, feature: feature.name }, 'feature failed to close cleanly');
      }
    }
    if (redis) await closeRedis(redis);
    if (pool)
      await pool
        .end()
        .catch((error: unknown) => log.error({ err: error }, 'PostgreSQL pool failed to close'));
    await options
      .closeLast?.()
      .catch((error: unknown) => log.error({ err: error }, 'embedded database failed to stop cleanly'));
  };

  let served: ServerDefinition = definition;
  try {
    const deps: RuntimeDeps = { config, definition, metrics, log, redis, pool };
    const builtIn: RuntimeFeature[] = [
      observabilityFeature(metrics),
      lifecycleFeature(lifecycle),
      authorizationFeature(scopePrefix),
      rateLimitFeature({
        server: definition.name,
        redis,
        defaultPerMinute: config.RATE_LIMIT_PER_MINUTE,
        overrides: config.RATE_LIMIT_OVERRIDES,
        metrics,
        log,
      }),
    ];
    if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined) {
      // Loaded only when export is on: with it off, no OpenTelemetry code runs or is even imported.
      const { createTracing } = await import('./observability/tracing.ts');
      const tracing = createTracing({
        endpoint: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        serviceName: config.OTEL_SERVICE_NAME ?? definition.name,
        serviceVersion: definition.version,
        server: definition.name,
        sampler: config.OTEL_TRACES_SAMPLER,
        samplerRatio: config.OTEL_TRACES_SAMPLER_ARG,
      });
      metrics.tracing = tracing;
      // Outermost: the call's span covers every stage, refusals included.
      builtIn.unshift(tracing.feature);
    }
    owned.push(builtIn);
    let audit: AuditFeature | undefined;
    if ((options.audit ?? config.AUDIT_ENABLED) && (pool || config.AUDIT_DATABASE_URL !== undefined)) {
      audit = await createAuditFeature({
        server: definition.name,
        // A shared audit database gets a pool of its own (closed by the feature); else the server's.
        ...(config.AUDIT_DATABASE_URL === undefined ? { pool } : { databaseUrl: config.AUDIT_DATABASE_URL }),
        spoolDir: config.AUDIT_SPOOL_DIR,
        ...(config.AUDIT_SPOOL_MAX_BYTES === undefined
          ? {}
          : { spoolMaxBytes: config.AUDIT_SPOOL_MAX_BYTES }),
        registry: metrics.registry,
        log,
        refusalsPerMinute: config.AUDIT_REFUSALS_PER_MINUTE,
      });
      builtIn.push(audit);
    }
    const approvalsOn = (options.approvals ?? true) && pool !== undefined;
    if (approvalsOn) {
      const codec = createStateCodec(config.REQUEST_STATE_SECRET);
      builtIn.push(
        createApprovalsFeature({
          server: definition.name,
          pool,
          ...(audit === undefined ? {} : { audit: audit.trail }),
          approverScopes: [`${scopePrefix}:approve`],
          mintState: (payload) => codec.mint(payload),
          publicUrl: config.PUBLIC_URL,
          ...(config.APPROVAL_WEBHOOK_URLS.length > 0 && config.APPROVAL_WEBHOOK_SECRET !== undefined
            ? {
                notifier: new ApprovalNotifier({
                  server: definition.name,
                  urls: config.APPROVAL_WEBHOOK_URLS,
                  secret: config.APPROVAL_WEBHOOK_SECRET,
                  format: config.APPROVAL_WEBHOOK_FORMAT,
                  publicUrl: config.PUBLIC_URL,
                  log,
                  registry: metrics.registry,
                }),
              }
            : {}),
          ...consoleOptions(
            config,
            [...allScopes(definition, scopePrefix), `${scopePrefix}:approve`],
            scopePrefix,
            log,
          ),
        }),
      );
      // Approval-gated tools accept the `approvalId` of the two-phase flow (schemas built once, here).
      served = { ...definition, tools: definition.tools?.map((tool) => withApprovalArgument(tool)) };
    } else if ((definition.tools ?? []).some(needsApproval)) {
      builtIn.push(approvalsUnavailableFeature());
      log.warn('tools with an approval policy are refused: approvals need DATABASE_URL');
    }
    // The catalog as this process serves it (scope prefix and approval argument included).
    const contract = buildContract(definition, { scopePrefix, approvals: approvalsOn });
    builtIn.push(
      deprecationFeature(metrics),
      contractFeature(contract, {
        publicUrl: config.PUBLIC_URL,
        mcpPath,
        ssePath: legacySse ? LEGACY_SSE_PATH : undefined,
      }),
    );
    const extra =
      typeof options.features === 'function' ? await options.features(deps) : (options.features ?? []);
    const features = orderFeatures([...builtIn, ...extra]);
    owned.length = 0;
    owned.push(features);

    const authentication = authenticationFeature({
      config,
      scopePrefix,
      scopesSupported: [
        ...allScopes(definition, scopePrefix),
        ...(approvalsOn ? [`${scopePrefix}:approve`] : []),
      ].sort(),
      challengeScopes: readScopes(definition, scopePrefix),
      resourceName: definition.title ?? definition.name,
      mcpPath,
      rpcPaths: legacySse ? [mcpPath, LEGACY_MESSAGES_PATH] : [mcpPath],
      metrics,
      ...(options.jwtVerifier === undefined ? {} : { verifier: options.jwtVerifier }),
      ...(audit === undefined
        ? {}
        : {
            onScopeDenied: (denied) =>
              auditDeniedCall(
                (audit as AuditFeature).trail,
                definition.name,
                denied,
                (audit as AuditFeature).refusals,
              ),
          }),
    });

    // Hooks run in registration order: CORS first (a preflight carries no credentials), then the
    // drain's refusal of new event streams (cheapest), then authentication.
    registerCors(app, {
      origins: config.CORS_ALLOWED_ORIGINS,
      endpoints: {
        [mcpPath]: ['GET', 'POST', 'DELETE'],
        ...(legacySse ? { [LEGACY_SSE_PATH]: ['GET'], [LEGACY_MESSAGES_PATH]: ['POST'] } : {}),
      },
      publicPaths: [metadataPath(mcpPath), '/.well-known/oauth-protected-resource'],
    });
    // Then the one browser guard (every non-public route a browser can reach: MCP, uploads,
    // approvals, consoles; Host checked too on loopback, where DNS rebinding aims). An origin
    // listed for CORS is trusted by it too.
    registerBrowserGuard(app, {
      allowedOrigins: [...config.ALLOWED_ORIGINS, ...config.CORS_ALLOWED_ORIGINS],
      ...(isLoopbackHost(config.HOST) ? { allowedHosts: loopbackHosts(config.PUBLIC_URL) } : {}),
    });
    registerDrainHooks(app, lifecycle, new Set(legacySse ? [mcpPath, LEGACY_SSE_PATH] : [mcpPath]));
    await authentication.register?.(app);
    for (const feature of features) await feature.register?.(app);

    const visibility = features.flatMap((f) => (f.isVisible ? [f.isVisible] : []));
    const dispatcher = new Dispatcher(served, {
      callTimeoutMs: config.TOOL_TIMEOUT_MS,
      maxResultBytes: config.MAX_RESULT_BYTES,
      interceptors: features.flatMap((f) => f.interceptors ?? []),
      toolsListMeta: { [CATALOG_HASH_META_KEY]: contract.catalogHash },
      ...(visibility.length === 0
        ? {}
        : {
            isVisible: (kind, policy, caller, annotations) =>
              visibility.every((v) => v(kind, policy, caller, annotations)),
          }),
    });
    // An origin listed for CORS is trusted by the Origin guard too; every other origin stays refused.
    const browserOrigins = [...config.ALLOWED_ORIGINS, ...config.CORS_ALLOWED_ORIGINS];
    await app.register(mcpPlugin, {
      dispatcher,
      requestStateSecret: config.REQUEST_STATE_SECRET,
      path: mcpPath,
      allowedOrigins: browserOrigins,
      ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
      // Answers to 2025-era server-to-client requests reach the replica holding the call.
      ...(redis === undefined ? {} : { redis, createSubscriber: () => createSubscriber(redis) }),
      ...(audit === undefined
        ? {}
        : {
            onAnswerRefused: (refused: RefusedAnswer) =>
              auditRefusedAnswer((audit as AuditFeature).trail, definition.name, refused),
          }),
    });
    if (legacySse) {
      await app.register(legacySsePlugin, {
        dispatcher,
        requestStateSecret: config.REQUEST_STATE_SECRET,
        ssePath: LEGACY_SSE_PATH,
        messagesPath: LEGACY_MESSAGES_PATH,
        allowedOrigins: browserOrigins,
        ...(redis === undefined ? {} : { redis, createSubscriber: () => createSubscriber(redis) }),
      });
    }

    const checks: NamedCheck[] = [];
    if (redis) checks.push(['redis', redisReadiness(redis)]);
    for (const feature of features) if (feature.ready) checks.push([feature.name, feature.ready]);
    for (const [name, check] of Object.entries(options.backendChecks ?? {})) checks.push([name, check]);
    registerHealthRoutes(app, {
      lifecycle,
      checks,
      ...(options.readyTimeoutMs === undefined ? {} : { timeoutMs: options.readyTimeoutMs }),
      ...(options.readyCacheMs === undefined ? {} : { cacheMs: options.readyCacheMs }),
    });
    if (config.METRICS_ENABLED) {
      app.get('/metrics', { config: { public: true } }, async (_request, reply) =>
        reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
      );
    }
    app.addHook('onClose', async () => closeResources(features));
    await app.ready();
    if (redis && !(await waitForRedis(redis, 3000))) {
      log.warn('Redis is not reachable yet: starting with per-process rate limits until it is');
    }

    return {
      app,
      dispatcher,
      contract,
      metrics,
      lifecycle,
      features,
      redis,
      pool,
      async listen() {
        return app.listen({ host: config.HOST, port: config.PORT });
      },
      async shutdown(graceMs = config.SHUTDOWN_GRACE_MS) {
        await drainAndClose({
          app,
          lifecycle,
          log,
          graceMs,
          keepAliveHintMs: config.HTTP_KEEP_ALIVE_HINT_MS,
        });
      },
    };
  } catch (error) {
    await closeResources(owned.flat());
    await app.close().catch(() => {});
    throw error;
  }
}

/**
 * How long past the advertised keep-alive a connection must carry no request before the drain closes
 * it: a client that honours `Keep-Alive: timeout=N` has dropped it by then (undici drops it 2 s
 * before N), so closing it cannot race a request (see `closeQuietConnections`).
 */
const DRAIN_QUIET_MARGIN_MS = 1_000;

/**
 * The shutdown sequence, separate so it can be driven (and tested) step by step. The whole of it is
 * bounded by `graceMs`. Readiness turns 503 at once; requests that still arrive (on connections a
 * load balancer opened before it saw the pod go) are answered as usual, with `Connection: close`, so
 * no client loses one. In-flight calls get the grace period minus a reserve for closing; calls still
 * running then are aborted, which answers them UNAVAILABLE at once (the dispatcher does not wait for
 * a handler that ignores its signal) and queues their audit rows. Then each connection is closed
 * once it has been quiet for longer than the keep-alive it advertised, then the server: closing flushes the audit rows to
 * PostgreSQL or the fsync'd spool within the reserve; whatever is still open after that is left to
 * the process exit.
 */
export async function drainAndClose(input: {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  log: FastifyBaseLogger;
  graceMs: number;
  /** The keep-alive the server advertises (HTTP_KEEP_ALIVE_HINT_MS). */
  keepAliveHintMs: number;
}): Promise<void> {
  const { app, lifecycle, log, graceMs, keepAliveHintMs } = input;
  const started = performance.now();
  const left = () => Math.max(0, graceMs - (performance.now() - started));
  const closeReserveMs = Math.min(2_000, Math.floor(graceMs / 4));
  lifecycle.beginDrain();
  log.info(
    { inflight: lifecycle.inflightCount, connections: lifecycle.connectionCount, graceMs },
    'draining: readiness is 503, requests are answered with Connection: close',
  );
  if (!(await lifecycle.waitForIdle(Math.max(0, graceMs - closeReserveMs)))) {
    log.warn(
      { inflight: lifecycle.inflightCount },
      'grace period over: answering the calls still in flight UNAVAILABLE',
    );
    lifecycle.abortInflight();
    // Aborted calls answer at once; only a call stuck in an interceptor is still counted after this.
    if (!(await lifecycle.waitForIdle(Math.min(1_000, left() / 2)))) {
      log.error(
        { inflight: lifecycle.inflightCount },
        'calls stuck after the abort: closing their connections',
      );
      app.server.closeAllConnections();
    }
  }
  const connections = await lifecycle.closeQuietConnections(
    // A short grace period wins: the quiet time then takes at most a third of it.
    Math.min(keepAliveHintMs + DRAIN_QUIET_MARGIN_MS, Math.floor(graceMs / 3)),
    Math.max(0, left() - closeReserveMs),
  );
  log.info(connections, 'drained: connections closed once quiet');
  if (!(await within(app.close(), Math.max(left(), 250)))) {
    log.error({ graceMs }, 'closing did not finish within the grace period; stopping anyway');
    app.server.closeAllConnections();
    return;
  }
  log.info({ durationMs: Math.round(performance.now() - started) }, 'server closed');
}
