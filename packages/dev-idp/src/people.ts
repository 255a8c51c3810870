/** A demo person of the development identity provider. */
export interface DevPerson {
  /** Stable subject (`sub`) of the person's tokens. */
  id: string;
  name: string;
  email: string;
  /** What the person does, shown on the sign-in page. */
  title: string;
  /** Role (group) names, carried in the `groups` claim. */
  roles: readonly string[];
}

/** Role → the scopes it allows (`<server>:read|write|approve`). */
export type RoleScopes = Readonly<Record<string, readonly string[]>>;

export const DEMO_ROLE_SCOPES: RoleScopes = {
  'sales-rep': ['crm:read', 'crm:write', 'knowledge:read'],
  'sales-manager': ['crm:read', 'crm:approve', 'knowledge:read'],
  'service-desk': ['itsm:read', 'itsm:write', 'knowledge:read'],
  'change-manager': ['itsm:read', 'itsm:approve', 'knowledge:read'],
  buyer: ['finance:read', 'finance:write', 'knowledge:read'],
  'procurement-manager': ['finance:read', 'finance:approve', 'knowledge:read'],
};

/** The demo people `pnpm start` signs in with (no passwords: this provider is for development only). */
export const DEMO_PEOPLE: readonly DevPerson[] = [
  {
    id: 'sam.sales',
    name: 'Sam Sales',
    email: 'sam.sales@example.test',
    title: 'Sales representative',
    roles: ['sales-rep'],
  },
  {
    id: 'mia.manager',
    name: 'Mia Manager',
    email: 'mia.manager@example.test',
    title: 'Sales manager (approves CRM changes)',
    roles: ['sales-manager'],
  },
  {
    id: 'dev.desk',
    name: 'Dev Desk',
    email: 'dev.desk@example.test',
    title: 'Service-desk engineer',
    roles: ['service-desk'],
  },
  {
    id: 'cam.change',
    name: 'Cam Change',
    email: 'cam.change@example.test',
    title: 'Change manager (approves ITSM changes)',
    roles: ['change-manager'],
  },
  { id: 'bea.buyer', name: 'Bea Buyer', email: 'bea.buyer@example.test', title: 'Buyer', roles: ['buyer'] },
  {
    id: 'pat.procure',
    name: 'Pat Procure',
    email: 'pat.procure@example.test',
    title: 'Procurement manager (approves requisitions)',
    roles: ['procurement-manager'],
  },
];

/** Every scope a person's roles allow. */
export function scopesOf(person: DevPerson, roleScopes: RoleScopes): Set<string> {
  return new Set(person.roles.flatMap((role) => roleScopes[role] ?? []));
}

/** `OAUTH_ROLE_SCOPES` text for servers that map the `groups` claim instead of relying on requested scopes. */
export function roleScopesEnv(roleScopes: RoleScopes = DEMO_ROLE_SCOPES): string {
  return Object.entries(roleScopes)
    .map(([role, scopes]) => `${role}=${scopes.join(' ')}`)
    .join(';');
}
