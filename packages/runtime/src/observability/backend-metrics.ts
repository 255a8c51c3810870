import type { RuntimeMetrics } from './metrics.ts';

/** Latency and error accounting for one backend system (Salesforce, ServiceNow, PostgreSQL...). */
export interface BackendMetrics {
  /** Runs one backend operation, timing it and counting a failure under its error code. */
  observe<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** Counts a failure that did not throw (e.g. a partial batch failure). */
  error(code: string): void;
}

const CODE = /^[A-Za-z0-9_.-]{1,48}$/;

/**
 * A bounded error label: a stable `code` (ToolError codes, Node's ECONNREFUSED...), else the HTTP
 * status, else `error`. Messages never become labels (unbounded cardinality, possible data).
 */
export function errorCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, status, statusCode } = error as { code?: unknown; status?: unknown; statusCode?: unknown };
    if (typeof code === 'string' && CODE.test(code)) return code;
    const http =
      typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
    if (http !== undefined && Number.isInteger(http) && http >= 100 && http <= 599) return `http_${http}`;
    if (
      (error as { name?: unknown }).name === 'TimeoutError' ||
      (error as { name?: unknown }).name === 'AbortError'
    ) {
      return 'timeout';
    }
  }
  return 'error';
}

/**
 * Backend metrics bound to one backend name. Domain backends call `observe` around each request;
 * with no metrics (unit tests of a backend) it only runs the operation.
 */
export function backendMetrics(metrics: RuntimeMetrics | undefined, backend: string): BackendMetrics {
  if (metrics === undefined) {
    return { observe: (_operation, fn) => fn(), error: () => {} };
  }
  const { server } = metrics;
  return {
    async observe(operation, fn) {
      const end = metrics.backendCallDuration.startTimer({ server, backend, operation });
      const tracing = metrics.tracing;
      try {
        return await (tracing === undefined ? fn() : tracing.backend(backend, operation, fn));
      } catch (error) {
        metrics.backendErrors.inc({ server, backend, code: errorCodeOf(error) });
        throw error;
      } finally {
        end();
      }
    },
    error(code) {
      metrics.backendErrors.inc({ server, backend, code: CODE.test(code) ? code : 'error' });
    },
  };
}
