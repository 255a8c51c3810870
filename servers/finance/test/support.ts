import { type FullStack, startFullStack } from '@mcp-platform/runtime/testing';
import { financeDefinition } from '../src/app.ts';
import type { FinanceBackend } from '../src/backends/finance-backend.ts';
import type { ToolDeps } from '../src/tools/inputs.ts';
import { depsFor } from './helpers.ts';

/** Roles → scopes as a deployment maps them: buyers ask, procurement managers approve. */
export const ROLE_SCOPES =
  'buyer=finance:read finance:write;procurement-manager=finance:read finance:approve';

/** The finance server with the full production stack (JWT auth with role mapping, audit, approvals). */
export async function startFinance(
  finance: FinanceBackend,
  databaseUrl: string,
  overrides: Partial<ToolDeps> = {},
): Promise<FullStack> {
  return startFullStack({
    definition: financeDefinition(depsFor(finance, overrides)),
    databaseUrl,
    env: { LOG_LEVEL: 'silent', OAUTH_ROLE_CLAIM: 'roles', OAUTH_ROLE_SCOPES: ROLE_SCOPES },
  });
}

/** A token for a person with roles (no scopes of their own: the roles grant them). */
export function personToken(stack: FullStack, subject: string, roles: string[]): Promise<string> {
  return stack.issuer.token({ subject, scope: '', extraClaims: { roles } });
}

/** An approver's decision through the server's approvals API, as the console makes it. */
export async function decide(
  stack: FullStack,
  approvalId: string,
  token: string,
  decision: 'approve' | 'reject' = 'approve',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.url}/approvals/${approvalId}/${decision}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'checked budget' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
