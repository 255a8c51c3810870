import { type FullStack, migrateServer, startFullStack } from '@mcp-platform/runtime';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { crmDefinition } from '../src/app.ts';
import type { CrmBackend } from '../src/backends/crm-backend.ts';
import { ANCHOR } from './helpers.ts';

export type { Client };

/** The runtime's migrations (audit trail, approvals) on `databaseUrl`, as `crm migrate` applies them. */
export async function migrateRuntime(databaseUrl: string): Promise<void> {
  await migrateServer({ name: 'crm', env: { DATABASE_URL: databaseUrl }, config: {} });
}

/** The CRM server with the full production stack (JWT auth, audit, approvals) over `crm`. */
export async function startCrm(crm: CrmBackend, databaseUrl: string): Promise<FullStack> {
  await migrateRuntime(databaseUrl);
  return startFullStack({
    definition: crmDefinition({ crm, today: () => ANCHOR }),
    databaseUrl,
    env: { LOG_LEVEL: 'silent' },
  });
}

export interface ConnectOptions {
  token: string;
  era?: '2026' | '2025';
  /** Answers elicitation requests (declares the capability when set). */
  elicit?: (message: string) => {
    action: 'accept' | 'decline' | 'cancel';
    content?: Record<string, unknown>;
  };
}

/** A real MCP client (SDK v2) over Streamable HTTP with a bearer token. */
export async function connect(
  baseUrl: string,
  options: ConnectOptions,
): Promise<Client & { elicited: string[] }> {
  const elicited: string[] = [];
  const client = new Client(
    { name: 'crm-e2e', version: '1.0.0' },
    {
      ...(options.elicit ? { capabilities: { elicitation: { form: {} } } } : {}),
      versionNegotiation: { mode: options.era === '2025' ? 'legacy' : { pin: '2026-07-28' } },
    },
  );
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler('elicitation/create', async (request) => {
      const message = (request.params as { message: string }).message;
      elicited.push(message);
      return answer(message) as never;
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${options.token}` } },
    }),
  );
  return Object.assign(client, { elicited });
}

/** Structured content of a successful tool result (fails the test on an error result). */
export function ok<T = Record<string, unknown>>(result: unknown): T {
  const r = result as { isError?: boolean; structuredContent?: unknown; content?: unknown };
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent as T;
}

/** Structured content of a failed tool result. */
export function failure(result: unknown): { code: string; message: string; [key: string]: unknown } {
  const r = result as { isError?: boolean; structuredContent?: Record<string, unknown> };
  if (r.isError !== true)
    throw new Error(`expected an error result, got ${JSON.stringify(result).slice(0, 400)}`);
  return r.structuredContent as { code: string; message: string };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
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
