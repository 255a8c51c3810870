import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one server, in a registry of its own (never prom-client's global
 * default registry, so two servers in one process, or two tests, never share or clash). The
 * registry's default label `server` also marks metrics other features register on it (the audit
 * trail's `mcp_audit_queue_depth`, `mcp_audit_spool_bytes`, ...).
 */
export interface RuntimeMetrics {
  readonly server: string;
  readonly registry: Registry;
  readonly toolCalls: Counter<'server' | 'tool' | 'outcome'>;
  readonly toolCallDuration: Histogram<'server' | 'tool'>;
  readonly inflightCalls: Gauge<'server'>;
  readonly rateLimited: Counter<'server' | 'tool'>;
  readonly rateLimitFallback: Counter<'server'>;
  readonly authRejections: Counter<'server' | 'reason'>;
  readonly backendCallDuration: Histogram<'server' | 'backend' | 'operation'>;
  readonly backendErrors: Counter<'server' | 'backend' | 'code'>;
  /** Set by the server when OpenTelemetry export is on: backend requests become CLIENT spans. */
  tracing?: {
    backend<T>(backend: string, operation: string, fn: () => Promise<T>): Promise<T>;
    /** Exports every finished span now. */
    flush(): Promise<void>;
  };
}

export interface CreateMetricsOptions {
  /** The `server` label (the definition name). */
  server: string;
  /** Also export Node process metrics (default true). */
  processMetrics?: boolean;
}

const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(options: CreateMetricsOptions): RuntimeMetrics {
  const { server } = options;
  const registry = new Registry();
  registry.setDefaultLabels({ server });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const inflightCalls = new Gauge({
    name: 'mcp_inflight_calls',
    help: 'Tool calls, resource reads and prompt gets in progress',
    labelNames: ['server'] as const,
    registers,
  });
  inflightCalls.set({ server }, 0);
  return {
    server,
    registry,
    toolCalls: new Counter({
      name: 'mcp_tool_calls_total',
      help: 'Tool calls, resource reads and prompt gets by outcome',
      labelNames: ['server', 'tool', 'outcome'] as const,
      registers,
    }),
    toolCallDuration: new Histogram({
      name: 'mcp_tool_call_duration_seconds',
      help: 'Duration of tool calls, resource reads and prompt gets',
      labelNames: ['server', 'tool'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    inflightCalls,
    rateLimited: new Counter({
      name: 'mcp_rate_limited_total',
      help: 'Calls refused by the rate limiter',
      labelNames: ['server', 'tool'] as const,
      registers,
    }),
    rateLimitFallback: new Counter({
      name: 'mcp_rate_limit_fallback_total',
      help: 'Rate-limit decisions taken by the per-process limiter because Redis was unavailable',
      labelNames: ['server'] as const,
      registers,
    }),
    authRejections: new Counter({
      name: 'mcp_auth_rejections_total',
      help: 'Requests refused by authentication or scope checks, by reason',
      labelNames: ['server', 'reason'] as const,
      registers,
    }),
    backendCallDuration: new Histogram({
      name: 'mcp_backend_call_duration_seconds',
      help: 'Duration of calls to backend systems',
      labelNames: ['server', 'backend', 'operation'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    backendErrors: new Counter({
      name: 'mcp_backend_errors_total',
      help: 'Failed calls to backend systems by error code',
      labelNames: ['server', 'backend', 'code'] as const,
      registers,
    }),
  };
}
