/**
 * Times one backend operation and counts its failures under the operation's name. The runtime's
 * `backendMetrics(metrics, 'salesforce')` has exactly this shape; tests pass nothing.
 */
export interface Observer {
  observe<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

/** An observer that only runs the operation (unit tests, command-line tools). */
export const unobserved: Observer = { observe: (_operation, fn) => fn() };
