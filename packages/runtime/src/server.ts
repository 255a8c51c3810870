import {
  createStateCodec,
  Dispatcher,
  legacySsePlugin,
  mcpPlugin,
  type ServerDefinition,
} from '@mcp-platform/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { DestinationStream } from 'pino';
import { approvalsUnavailableFeature } from './approval-guard.ts';
import { createApprovalsFeature, needsApproval, withApprovalArgument } from './approvals/index.ts';
import { type AuditFeature, createAuditFeature } from './audit/feature.ts';
import { createPool } from './audit/pool.ts';
import { authenticationFeature } from './auth/authentication.ts';
import type { JwtVerifier } from './auth/jwt.ts';
import { allScopes, authorizationFeature } from './auth/scopes.ts';
import type { RuntimeConfig } from './config.ts';
import { auditDeniedCall } from './denied-audit.ts';
import type { ReadinessCheck, RuntimeFeature } from './feature.ts';
import { orderFeatures, orderForClose } from './feature-order.ts';
import { type NamedCheck, registerHealthRoutes } from './health.ts';
import { Lifecycle, lifecycleFeature, registerDrainHooks } from './lifecycle.ts';
import { observabilityFeature } from './observability/feature.ts';
import { genReqId, loggerOptions, traceIdOf } from './observability/logger.ts';
import { createMetrics, type RuntimeMetrics } from './observability/metrics.ts';
import { rateLimitFeature } from './rate-limit/feature.ts';
import { closeRedis, createRedis, createSubscriber, redisReadiness, waitForRedis } from './redis.ts';

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
}

/** A composed server: the Fastify app plus what `runServer` and tests need to drive its lifecycle. */
export interface RuntimeServer {
  app: FastifyInstance;
  dispatcher: Dispatcher;
  metrics: RuntimeMetrics;
  lifecycle: Lifecycle;
  /** Every feature in interceptor order. */
  features: FeatureList;
  redis: Redis | undefined;
  pool: pg.Pool | undefined;
  /** Listens on HOST:PORT; resolves with the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful stop: readiness 503 and new calls refused at once, in-flight calls get `graceMs`
   * (default SHUTDOWN_GRACE_MS) and are then aborted, then features close (audit flush last), then pools.
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
  });
  const log = app.log;
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
    owned.push(builtIn);
    let audit: AuditFeature | undefined;
    if ((options.audit ?? config.AUDIT_ENABLED) && pool) {
      audit = await createAuditFeature({
        server: definition.name,
        pool,
        spoolDir: config.AUDIT_SPOOL_DIR,
        ...(config.AUDIT_SPOOL_MAX_BYTES === undefined
          ? {}
          : { spoolMaxBytes: config.AUDIT_SPOOL_MAX_BYTES }),
        registry: metrics.registry,
        log,
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
        }),
      );
      // Approval-gated tools accept the `approvalId` of the two-phase flow (schemas built once, here).
      served = { ...definition, tools: definition.tools?.map((tool) => withApprovalArgument(tool)) };
    } else if ((definition.tools ?? []).some(needsApproval)) {
      builtIn.push(approvalsUnavailableFeature());
      log.warn('tools with an approval policy are refused: approvals need DATABASE_URL');
    }
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
      resourceName: definition.title ?? definition.name,
      mcpPath,
      rpcPaths: legacySse ? [mcpPath, LEGACY_MESSAGES_PATH] : [mcpPath],
      metrics,
      ...(options.jwtVerifier === undefined ? {} : { verifier: options.jwtVerifier }),
      ...(audit === undefined
        ? {}
        : {
            onScopeDenied: (denied) =>
              auditDeniedCall((audit as AuditFeature).trail, definition.name, denied),
          }),
    });

    // Hooks run in registration order: drain refusal first (cheapest), then authentication.
    registerDrainHooks(
      app,
      lifecycle,
      new Set(legacySse ? [mcpPath, LEGACY_SSE_PATH, LEGACY_MESSAGES_PATH] : [mcpPath]),
    );
    await authentication.register?.(app);
    for (const feature of features) await feature.register?.(app);

    const visibility = features.flatMap((f) => (f.isVisible ? [f.isVisible] : []));
    const dispatcher = new Dispatcher(served, {
      callTimeoutMs: config.TOOL_TIMEOUT_MS,
      interceptors: features.flatMap((f) => f.interceptors ?? []),
      ...(visibility.length === 0
        ? {}
        : {
            isVisible: (kind, policy, caller, annotations) =>
              visibility.every((v) => v(kind, policy, caller, annotations)),
          }),
    });
    await app.register(mcpPlugin, {
      dispatcher,
      requestStateSecret: config.REQUEST_STATE_SECRET,
      path: mcpPath,
      allowedOrigins: config.ALLOWED_ORIGINS,
      // Answers to 2025-era server-to-client requests reach the replica holding the call.
      ...(redis === undefined ? {} : { redis, createSubscriber: () => createSubscriber(redis) }),
    });
    if (legacySse) {
      await app.register(legacySsePlugin, {
        dispatcher,
        requestStateSecret: config.REQUEST_STATE_SECRET,
        ssePath: LEGACY_SSE_PATH,
        messagesPath: LEGACY_MESSAGES_PATH,
        allowedOrigins: config.ALLOWED_ORIGINS,
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
      metrics,
      lifecycle,
      features,
      redis,
      pool,
      async listen() {
        return app.listen({ host: config.HOST, port: config.PORT });
      },
      async shutdown(graceMs = config.SHUTDOWN_GRACE_MS) {
        await drainAndClose({ app, lifecycle, log, graceMs });
      },
    };
  } catch (error) {
    await closeResources(owned.flat());
    await app.close().catch(() => {});
    throw error;
  }
}

/** The shutdown sequence, separate so it can be driven (and tested) step by step. */
export async function drainAndClose(input: {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  log: FastifyBaseLogger;
  graceMs: number;
}): Promise<void> {
  const { app, lifecycle, log, graceMs } = input;
  lifecycle.beginDrain();
  log.info(
    { inflight: lifecycle.inflightCount, graceMs },
    'draining: readiness is 503 and new MCP calls are refused',
  );
  if (!(await lifecycle.waitForIdle(graceMs))) {
    log.warn({ inflight: lifecycle.inflightCount }, 'grace period over: aborting the calls still in flight');
    lifecycle.abortInflight();
    // Aborted handlers still answer (UNAVAILABLE) and get audited; give them a moment, then cut the connections.
    if (!(await lifecycle.waitForIdle(2000))) app.server.closeAllConnections();
  }
  await app.close();
  log.info('server closed');
}
