import type { Caller } from '@mcp-platform/protocol';
import { claimValues, type RoleScopeMap } from './roles.ts';
import type { ServiceTokenEntry } from './service-tokens.ts';

export interface ClaimMapping {
  /** Claim with the granted scopes (space-separated string or array). */
  scopeClaim: string;
  /** Claim (dot path) whose role/group values map to scopes. */
  roleClaim?: string | undefined;
  roleScopes?: RoleScopeMap | undefined;
}

/** Claims that are credentials or too large to carry around; never kept on the Caller. */
const DROPPED_CLAIMS = new Set(['access_token', 'refresh_token', 'id_token', 'act_token']);

/** Builds the Caller from verified JWT claims: subject, client id, scopes (granted plus role-mapped). */
export function callerFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping): Caller {
  const clientId = [claims.azp, claims.client_id, claims.cid].find((v): v is string => typeof v === 'string');
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const subject = sub ?? clientId ?? 'unknown';
  const scopes = new Set(claimValues(claims, mapping.scopeClaim));
  if (mapping.roleClaim !== undefined) {
    for (const value of claimValues(claims, mapping.roleClaim)) {
      // A definition may name a role directly (`policy.scopes: ['role:crm-admins']`) or rely on the mapping.
      scopes.add(`role:${value}`);
      for (const scope of mapping.roleScopes?.get(value) ?? []) scopes.add(scope);
    }
  }
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (!DROPPED_CLAIMS.has(name)) kept[name] = value;
  }
  return Object.freeze({
    subject,
    // Client-credentials tokens have no user: sub is absent or the client itself.
    kind: sub === undefined || sub === clientId ? 'service' : 'user',
    ...(clientId === undefined ? {} : { clientId }),
    scopes: Object.freeze([...scopes]),
    claims: Object.freeze(kept),
  });
}

/** The Caller of a static service token. */
export function callerFromServiceToken(entry: ServiceTokenEntry): Caller {
  return Object.freeze({
    subject: `service:${entry.name}`,
    kind: 'service',
    clientId: entry.name,
    scopes: Object.freeze([...entry.scopes]),
    claims: Object.freeze({ service_token: entry.name }),
  });
}
