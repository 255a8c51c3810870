import type { UpstreamCall } from './call.ts';
import type { Observer } from './observer.ts';

// biome-ignore lint/suspicious/noExplicitAny: matching any method signature
type AnyAsync = (...args: any[]) => Promise<unknown>;

/** The business operations of a backend interface: its async methods except `ready` and `close`. */
export type BackendOperations<B> = Exclude<
  { [K in keyof B]-?: B[K] extends AnyAsync ? K : never }[keyof B],
  'ready' | 'close'
>;

/**
 * Every business operation of `B`, each marked `true`. It is a record, not a list, so the compiler
 * checks it: forgetting an operation (or adding one to the interface and not here) is a type error,
 * and so is an operation whose last parameter is not the call (`UpstreamCall`: signal + trace).
 */
export type OperationList<B> = {
  readonly [K in BackendOperations<B>]: B[K] extends (...args: [...infer _, UpstreamCall]) => Promise<unknown>
    ? true
    : 'this operation must take the call (signal + trace) as its last parameter';
};

/**
 * The same backend with every business operation timed and its failures counted under its name
 * (`observer` is the runtime's `backendMetrics(metrics, 'servicenow')`). Other members pass through.
 */
export function instrumented<B extends object>(
  backend: B,
  observer: Observer,
  operations: OperationList<B>,
): B {
  const wrapped = Object.create(backend) as Record<string, unknown>;
  for (const name of Object.keys(operations)) {
    const original = (backend as Record<string, unknown>)[name];
    if (typeof original !== 'function')
      throw new TypeError(`instrumented: ${name} is not a method of the backend`);
    wrapped[name] = (...args: unknown[]) => observer.observe(name, () => original.apply(backend, args));
  }
  return wrapped as B;
}
