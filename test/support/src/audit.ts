/**
 * Reading the audit trail the way tests and auditors do: the rows that touched a record (straight
 * from `audit_log`, waiting for the asynchronous writer), and the audit CLI an auditor runs.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type ProcessRun, runNode } from './process.ts';

export interface AuditRowView {
  event: string;
  name: string;
  subject: string;
  outcome: string;
  touched: string[];
  approval_id: string | null;
}

/** Audit rows that touched `record`, waiting (bounded, ~10 s) for the asynchronous audit writer. */
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

const AUDIT_CLI = fileURLToPath(new URL('../../../packages/runtime/src/audit/cli.ts', import.meta.url));

/** `pnpm run audit query --record <ref> --events all --json`, the CLI an auditor runs. */
export function auditQuery(databaseUrl: string, record: string): Promise<ProcessRun> {
  return runNode(
    [
      '--conditions=@mcp-platform/source',
      AUDIT_CLI,
      'query',
      '--record',
      record,
      '--events',
      'all',
      '--json',
    ],
    { env: { ...process.env, DATABASE_URL: databaseUrl } },
  );
}
