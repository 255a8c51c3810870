import { AsyncLocalStorage } from 'node:async_hooks';
import { ToolError } from './errors.ts';

/**
 * Call deadlines and cancellation, in one place for every path and every backend client:
 * - `callSignal` gives each call one signal that fires when the client goes away, the server shuts
 *   down, or the call's time limit passes (the reason says which);
 * - `runWithCallSignal` makes that signal the *current* one for everything the handler starts, so an
 *   HTTP or database client can abort its request without the signal being threaded through every
 *   adapter method (`currentCallSignal`);
 * - `raceSignal` lets the dispatcher answer at the deadline even when a handler ignores its signal.
 */

/** Reason of a call signal aborted because its time limit passed. */
export class DeadlineExceeded extends DOMException {
  constructor(timeoutMs: number) {
    super(`The call did not finish within its time limit (${timeoutMs} ms)`, 'TimeoutError');
  }
}

/** Reason of a call signal aborted because the server's shutdown grace period ended. */
export class ServerShuttingDown extends Error {
  constructor() {
    super('server shutting down');
    this.name = 'ServerShuttingDown';
  }
}

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the current call signal of everything it starts (timers, promises, sockets). */
export function runWithCallSignal<T>(signal: AbortSignal, fn: () => T): T {
  return scope.run(signal, fn);
}

/** The signal of the call whose handler is running (undefined outside a call: start-up, background sync). */
export function currentCallSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/**
 * The call's signal: aborts when `parent` does (client gone, server shutting down) or when the time
 * limit passes (reason: `DeadlineExceeded`). One controller and one timer per call, released by
 * `dispose` — cheaper on the hot path than `AbortSignal.any` over `AbortSignal.timeout`.
 */
export function callSignal(
  parent: AbortSignal,
  timeoutMs: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => {} };
  }
  const forward = () => controller.abort(parent.reason);
  parent.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(timeoutMs)), timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', forward);
    },
  };
}

export function isDeadline(reason: unknown): boolean {
  return (reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/** The tool error a call ends with when its signal fired, by reason. */
export function abortError(reason: unknown): ToolError {
  if (isDeadline(reason)) {
    return new ToolError('TIMEOUT', 'The call did not finish within its time limit', {
      retryable: true,
      hint: 'Narrow the request (smaller date window, fewer records) or try again later.',
    });
  }
  if (reason instanceof ServerShuttingDown) {
    return new ToolError('UNAVAILABLE', 'The server shut down before the call finished', {
      retryable: true,
      hint: 'Call again; for a change, first check whether it was applied (the server stopped mid-call).',
    });
  }
  return new ToolError('CANCELLED', 'The call was cancelled by the client before it finished', {
    retryable: true,
    hint: 'Call again if the result is still needed.',
  });
}

/**
 * Settles like `work`, unless `signal` fires first: then rejects at once with `abortError(reason)`.
 * The handler may still be running; its signal has fired, and whatever it settles with is ignored.
 */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(abortError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(abortError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
