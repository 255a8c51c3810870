import type { ApprovalsFeature } from '@mcp-platform/runtime';
import { type FullStack, migrateServer, startFullStack } from '@mcp-platform/runtime/testing';
import pg from 'pg';
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

export interface AuditRowView {
  event: string;
  name: string;
  subject: string;
  outcome: string;
  touched: string[];
  approval_id: string | null;
}

/** Audit rows that touched `record`, waiting (bounded) for the asynchronous audit writer. */
export async function auditRowsFor(
  databaseUrl: string,
  record: string,
  minimum = 1,
): Promise<AuditRowView[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await client.query<AuditRowView>(
        'SELECT event, name, subject, outcome, touched, approval_id FROM audit_log WHERE $1 = ANY(touched) ORDER BY seq',
        [record],
      );
      if (rows.length >= minimum) return rows;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [];
  } finally {
    await client.end();
  }
}
