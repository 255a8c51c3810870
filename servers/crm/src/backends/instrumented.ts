import type { CrmBackend } from './crm-backend.ts';

/** Times one backend operation and counts its failures (the runtime's `backendMetrics` has this shape). */
export interface Observer {
  observe<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

const OPERATIONS = [
  'searchAccounts',
  'getAccountOverview',
  'listOpenOpportunities',
  'getOpportunity',
  'findContacts',
  'listOpenCases',
  'listRenewals',
  'describeRecord',
  'logActivity',
  'updateOpportunityStage',
  'createOpportunity',
] as const satisfies ReadonlyArray<keyof CrmBackend>;

/** The same backend with every business operation timed and its errors counted under the operation name. */
export function instrumented(backend: CrmBackend, observer: Observer): CrmBackend {
  const wrapped = Object.create(backend) as CrmBackend;
  for (const name of OPERATIONS) {
    const original = backend[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      observer.observe(name, () => original.apply(backend, args));
  }
  return wrapped;
}
