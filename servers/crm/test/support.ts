import { type FullStack, migrateServer, startFullStack } from '@mcp-platform/runtime/testing';
import { connectMcpClient, type McpTestClient, type McpTestClientOptions } from '@mcp-platform/test-support';
import type { Client } from '@modelcontextprotocol/client';
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

export type ConnectOptions = Pick<McpTestClientOptions, 'token' | 'era' | 'elicit'> & { token: string };

/** A real MCP client (SDK v2) over Streamable HTTP with a bearer token. */
export function connect(baseUrl: string, options: ConnectOptions): Promise<McpTestClient> {
  return connectMcpClient(baseUrl, { ...options, name: 'crm-e2e' });
}

export {
  type AuditRowView,
  auditRowsFor,
  resultError as failure,
  resultOk as ok,
  resultText as textOf,
} from '@mcp-platform/test-support';
