import type { FastifyInstance } from 'fastify';
import type { ReadinessCheck } from './feature.ts';
import type { Lifecycle } from './lifecycle.ts';

export type NamedCheck = readonly [name: string, check: () => Promise<ReadinessCheck>];

export interface HealthOptions {
  lifecycle: Lifecycle;
  checks: readonly NamedCheck[];
  /** Each check gets this long before it counts as failed. */
  timeoutMs?: number;
  /** Results are reused for this long (probes and scrapers must not hammer the dependencies). */
  cacheMs?: number;
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
      check().catch((error: unknown) => ({ ok: false, detail: (error as Error)?.message ?? 'check failed' })),
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
  let cached: { at: number; report: Promise<Report> } | undefined;

  const evaluate = async (): Promise<Report> => {
    const results = await Promise.all(
      options.checks.map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
  };

  app.get('/healthz', { config: { public: true } }, async (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    if (options.lifecycle.isDraining) return reply.code(503).send({ status: 'draining' });
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) cached = { at: now, report: evaluate() };
    const report = await cached.report;
    if (options.lifecycle.isDraining) return reply.code(503).send({ status: 'draining' });
    return reply
      .code(report.ok ? 200 : 503)
      .send({ status: report.ok ? 'ready' : 'unavailable', checks: report.checks });
  });
}
