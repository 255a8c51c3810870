import type { IdpPerson } from './enterprise-idp.ts';

/** Directory groups and the scopes membership entitles to, as a platform team would map them at its IdP. */
export const GROUP_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'sales-readers': ['crm:read'],
  'sales-reps': ['crm:read', 'crm:write'],
  'sales-managers': ['crm:approve'],
  'kb-readers': ['knowledge:read'],
  'kb-contributors': ['knowledge:read', 'knowledge:write'],
};

/** dana may read and write both servers; rita may only read. */
export const PEOPLE: readonly IdpPerson[] = [
  { id: 'dana', groups: ['sales-reps', 'kb-contributors'] },
  { id: 'rita', groups: ['sales-readers', 'kb-readers'] },
];
