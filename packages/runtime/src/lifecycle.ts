import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Interceptor, jsonRpcError, ServerShuttingDown } from '@mcp-platform/protocol';
import type { FastifyInstance } from 'fastify';
import type { RuntimeFeature } from './feature.ts';

/** Requests a connection is carrying now, and since when it has carried none. */
interface ConnectionState {
  active: number;
  idleSince: number;
}

/**
 * Drain state of one server: in-flight calls, the open HTTP connections and whether each carries a
 * request, whether the server is draining, and a signal that aborts whatever is left when the grace
 * period is over.
 */
export class Lifecycle {
  private inflight = 0;
  private draining = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly shutdownController = new AbortController();
  private readonly connections = new Map<Socket, ConnectionState>();

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

  /**
   * Readiness turns 503 from now on; requests are still answered (a load balancer keeps sending on
   * its open connections until it notices), each with `Connection: close`, so clients reconnect to
   * another replica.
   */
  beginDrain(): void {
    this.draining = true;
  }

  /** Open HTTP connections of the watched server. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Follows the server's connections: which carry a request and since when the others are idle.
   * While draining, every response says `Connection: close`: set before Fastify sees the request,
   * so answers of early hooks (CORS preflights, the browser guard) say it too. Requests matching
   * `isStream` (long-lived event streams) do not keep their connection busy: they end with the server.
   */
  watch(server: Server, isStream: (request: IncomingMessage) => boolean): void {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { active: 0, idleSince: performance.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
    server.prependListener('request', (request: IncomingMessage, response) => {
      if (this.draining) response.setHeader('connection', 'close');
      const state = this.connections.get(request.socket);
      if (state === undefined || isStream(request)) return;
      state.active++;
      response.once('close', () => {
        state.active--;
        state.idleSince = performance.now();
      });
    });
  }

  /**
   * Closes each connection once it has carried no request for `quietMs`, until none is left or
   * `timeoutMs` passes; resolves with how many were closed here and how many are left. HTTP/1.1 has
   * no way to tell a client that an idle kept-alive connection is going away, so one that sends just
   * as it is closed loses its request: waiting for quiet first lets every client that is still
   * calling get its answer (with `Connection: close`) instead.
   */
  async closeQuietConnections(quietMs: number, timeoutMs: number): Promise<{ closed: number; left: number }> {
    const deadline = performance.now() + timeoutMs;
    let closed = 0;
    for (;;) {
      const now = performance.now();
      for (const [socket, state] of this.connections) {
        if (state.active === 0 && now - state.idleSince >= quietMs) {
          this.connections.delete(socket);
          socket.destroy();
          closed++;
        }
      }
      if (this.connections.size === 0 || now >= deadline) return { closed, left: this.connections.size };
      await sleep(Math.max(10, Math.min(100, deadline - now)));
    }
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
 * While draining, requests are served as usual (the lifecycle adds `Connection: close`), except new
 * long-lived event streams (`streamPaths`, GET): they would only be cut when the server stops, so
 * they are answered 503 with a JSON-RPC error and `Retry-After`, and the client reopens the stream on
 * another replica. In-flight calls are counted by `lifecycleFeature` (whatever transport carried them).
 */
export function registerDrainHooks(
  app: FastifyInstance,
  lifecycle: Lifecycle,
  streamPaths: ReadonlySet<string>,
): void {
  lifecycle.watch(app.server, (request) => request.method === 'GET' && streamPaths.has(pathOf(request.url)));
  app.addHook('onRequest', async (request, reply) => {
    if (!lifecycle.isDraining || request.method !== 'GET' || !streamPaths.has(request.routeOptions.url ?? ''))
      return;
    return reply
      .code(503)
      .header('retry-after', '1')
      .header('connection', 'close')
      .send(
        jsonRpcError(
          null,
          -32000,
          'Service unavailable: this server is shutting down; reopen the stream, another replica will serve it',
          { retryAfterSeconds: 1 },
        ),
      );
  });
}

function pathOf(url: string | undefined): string {
  const path = url ?? '';
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
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
