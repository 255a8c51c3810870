import type { ApprovalsFeature } from '@mcp-platform/runtime';
import { type FullStack, migrateServer, startFullStack } from '@mcp-platform/runtime/testing';
import { itsmDefinition } from '../src/app.ts';
import type { ItsmBackend } from '../src/backends/itsm-backend.ts';
import { NOW } from './helpers.ts';

/** The runtime's migrations (audit trail, approvals) on `databaseUrl`, as `itsm migrate` applies them. */
export async function migrateRuntime(databaseUrl: string): Promise<void> {
  await migrateServer({ name: 'itsm', env: { DATABASE_URL: databaseUrl }, config: {} });
}

/** The ITSM server with the full production stack (JWT auth, audit, approvals) over `itsm`. */
export async function startItsm(itsm: ItsmBackend, databaseUrl: string): Promise<FullStack> {
  await migrateRuntime(databaseUrl);
  return startFullStack({
    definition: itsmDefinition({ itsm, now: () => NOW }),
    databaseUrl,
    env: { LOG_LEVEL: 'silent' },
  });
}

export function approvalsOf(stack: FullStack): ApprovalsFeature {
  return stack.server.features.find((f) => f.name === 'approvals') as ApprovalsFeature;
}

export { type AuditRowView, auditRowsFor } from '@mcp-platform/test-support';
