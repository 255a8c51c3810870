import { type Interceptor, jsonRpcError, ServerShuttingDown } from '@mcp-platform/protocol';
import type { FastifyInstance } from 'fastify';
import type { RuntimeFeature } from './feature.ts';

/**
 * Drain state of one server: in-flight MCP requests and calls, whether new ones are still accepted,
 * and a signal that aborts whatever is left when the grace period is over.
 */
export class Lifecycle {
  private inflight = 0;
  private draining = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly shutdownController = new AbortController();

  get isDraining(): boolean {
    return this.draining;
  }

  get inflightCount(): number {
    return this.inflight;
  }

  /** Fires when in-flight calls are aborted at the end of the grace period. */
  get abortSignal(): AbortSignal {
    return this.shutdownController.signal;
  }

  enter(): void {
    this.inflight++;
  }

  leave(): void {
    this.inflight--;
    if (this.inflight <= 0) {
      this.inflight = 0;
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters.clear();
    }
  }

  /** Readiness turns 503 and new MCP requests are refused from now on. */
  beginDrain(): void {
    this.draining = true;
  }

  /** Resolves true once nothing is in flight, false when `timeoutMs` passes first. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  /** Aborts every call still running (their handlers see `ctx.signal` fire). */
  abortInflight(): void {
    this.shutdownController.abort(new ServerShuttingDown());
  }
}

/**
 * While draining, MCP requests are answered 503 with a JSON-RPC error and `Retry-After` (the client
 * retries, and reaches another replica once this one is out of the load balancer). In-flight work is
 * counted by `lifecycleFeature` around each call (whatever transport carried it); other requests
 * (lists, initialize) are short and finish while the server closes.
 */
export function registerDrainHooks(
  app: FastifyInstance,
  lifecycle: Lifecycle,
  mcpPaths: ReadonlySet<string>,
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!lifecycle.isDraining || !mcpPaths.has(request.routeOptions.url ?? '')) return;
    return reply
      .code(503)
      .header('retry-after', '1')
      .header('connection', 'close')
      .send(
        jsonRpcError(
          null,
          -32000,
          'Service unavailable: this server is shutting down; retry the request, another replica will serve it',
          { retryAfterSeconds: 1 },
        ),
      );
  });
}

/**
 * Tracks every call (whatever path carried it, including legacy SSE messages answered on another
 * stream) and ties it to the shutdown signal: a call still running when the grace period ends is
 * aborted and answered UNAVAILABLE (retryable, but the change may have been applied).
 */
export function lifecycleFeature(lifecycle: Lifecycle): RuntimeFeature {
  const interceptor: Interceptor = async (call, next) => {
    lifecycle.enter();
    // The dispatcher races the handler against this signal: at the end of the grace period the
    // call is answered UNAVAILABLE (and audited so) whether or not its handler honours the signal.
    call.ctx = { ...call.ctx, signal: AbortSignal.any([call.ctx.signal, lifecycle.abortSignal]) };
    try {
      return await next();
    } finally {
      lifecycle.leave();
    }
  };
  return { name: 'lifecycle', stage: 'observe', interceptors: [interceptor] };
}
