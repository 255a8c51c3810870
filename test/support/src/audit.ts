/**
 * Reading the audit trail the way tests and auditors do: the rows that touched a record (straight
 * from `audit_log`, waiting for the asynchronous writer), the audit CLI an auditor runs, and what a
 * confirmed write's audit event must say.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect } from 'vitest';
import { runNode } from './process.ts';

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

/** The event the audit CLI prints (`audit query --json`): who called what, from which client, approved by whom. */
export interface AuditEventView {
  server: string;
  event: string;
  name: string;
  outcome: string;
  principal: { subject: string; clientId: string | null };
  client: { name: string | null };
  touched: string[];
  approval: { approvedBy: string | null } | null;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The root package.json's `audit` script, as `pnpm run audit` runs it (from the repository root). */
const AUDIT_SCRIPT = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { audit: string } }
).scripts.audit;
const AUDIT_ARGS = AUDIT_SCRIPT.split(/\s+/).slice(1);

/**
 * `pnpm run audit query --record <ref> | --trace <id> --events all --json`, the CLI an auditor runs:
 * for a record, first waits for its rows (the audit trail writes asynchronously); expects exit 0 and
 * returns the events it printed.
 */
export async function auditEvents(
  databaseUrl: string,
  query: { record: string } | { trace: string },
): Promise<AuditEventView[]> {
  if ('record' in query) await auditRowsFor(databaseUrl, query.record);
  const selector = 'record' in query ? ['--record', query.record] : ['--trace', query.trace];
  const run = await runNode([...AUDIT_ARGS, 'query', ...selector, '--events', 'all', '--json'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as AuditEventView[];
}

/**
 * Checks the audit event of a confirmed write: it is the call `name`, answered ok, made by `subject`
 * (from `client`, on `server`, when given), approved by `approvedBy`, and it touched `record`.
 */
export function expectAuditedWrite(
  event: AuditEventView | undefined,
  expected: {
    name: string;
    record: string;
    subject: string;
    approvedBy: string;
    client?: string;
    server?: string;
  },
): void {
  expect(event).toMatchObject({
    ...(expected.server === undefined ? {} : { server: expected.server }),
    name: expected.name,
    outcome: 'ok',
    principal: { subject: expected.subject },
    ...(expected.client === undefined ? {} : { client: { name: expected.client } }),
    approval: { approvedBy: expected.approvedBy },
  });
  expect(event?.touched).toContain(expected.record);
}
