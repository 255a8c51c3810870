import type { FastifyInstance } from 'fastify';
import type { ReadinessCheck } from './feature.ts';
import type { Lifecycle } from './lifecycle.ts';

export type NamedCheck = readonly [name: string, check: () => Promise<ReadinessCheck>];

export interface HealthOptions {
  lifecycle: Lifecycle;
  checks: readonly NamedCheck[];
  /** Each check gets this long before it counts as failed. */
  timeoutMs?: number;
  /**
   * A result is reused for this long after its checks finished (probes and scrapers must not hammer
   * the dependencies); probes arriving while checks run share that run. 0: every probe runs the checks.
   */
  cacheMs?: number;
  /** Monotonic clock in ms (tests); default `performance.now`. */
  now?: () => number;
}

interface Report {
  ok: boolean;
  checks: Record<string, ReadinessCheck>;
}

async function runCheck(check: () => Promise<ReadinessCheck>, timeoutMs: number): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .catch((error: unknown) => ({ ok: false, detail: (error as Error)?.message ?? 'check failed' })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is alive (200 even while draining, so the liveness probe never kills a pod
 * that is finishing its calls). `/readyz`: 503 while draining or when a dependency check fails, with
 * every check's short, non-secret detail.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  const timeoutMs = options.timeoutMs ?? 2000;
  const cacheMs = options.cacheMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  // freshUntil is +Infinity while the checks run, then the moment their result expires.
  let cached: { freshUntil: number; report: Promise<Report> } | undefined;

  const evaluate = async (): Promise<Report> => {
    const results = await Promise.all(
      options.checks.map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  };

  const currentReport = (): Promise<Report> => {
    if (cacheMs <= 0) return evaluate();
    if (cached !== undefined && now() < cached.freshUntil) return cached.report;
    const entry = { freshUntil: Number.POSITIVE_INFINITY, report: evaluate() };
    void entry.report.finally(() => {
      entry.freshUntil = now() + cacheMs;
    });
    cached = entry;
    return entry.report;
  };

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    if (options.lifecycle.isDraining) return reply.code(503).send({ status: 'draining' });
    const report = await currentReport();
    if (options.lifecycle.isDraining) return reply.code(503).send({ status: 'draining' });
    return reply
      .code(report.ok ? 200 : 503)
      .send({ status: report.ok ? 'ready' : 'unavailable', checks: report.checks });
  });
}
