import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Caller,
  createStateCodec,
  Dispatcher,
  defineResource,
  defineTool,
  mcpPlugin,
  type ServerDefinition,
  ToolError,
} from '@mcp-platform/protocol';
import {
  connectMcpClient,
  createTestDatabase,
  type McpTestClient,
  type McpTestClientOptions,
  type TestDatabase,
} from '@mcp-platform/test-support';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { withApprovalArgument } from '../../src/approvals/index.ts';
import { type AuditRecord, makeRecord, migrate } from '../../src/audit/index.ts';
import type { RuntimeFeature } from '../../src/feature.ts';

export const SECRET = 'audit-approvals-test-state-secret-0123456789';
export const SERVER = 'crm-test';

export { createTestDatabase, type TestDatabase } from '@mcp-platform/test-support';

/** A test database of its own with the audit schema migrated (dropped again if migrating fails). */
export async function auditDatabase(baseUrl: string, prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(baseUrl, prefix);
  try {
    await migrate(db.url);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return db;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * The fields of an audit row as the runtime builds them (not yet through makeRecord): a tool call by a
 * user, answered ok, now, with a fresh id; every optional column null unless `fields` sets it.
 */
export function recordFields(
  fields: Pick<AuditRecord, 'name' | 'subject'> & Partial<AuditRecord>,
): AuditRecord {
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    server: SERVER,
    event: 'call',
    kind: 'tool',
    principalKind: 'user',
    clientId: null,
    clientName: null,
    clientVersion: null,
    protocolEra: null,
    protocolVersion: null,
    correlationId: null,
    traceId: null,
    arguments: {},
    outcome: 'ok',
    errorCode: null,
    durationMs: null,
    resultBytes: null,
    resultSha256: null,
    touched: [],
    approvalId: null,
    detail: null,
    ...fields,
  };
}

/** An audit row as the trail receives it: recordFields through makeRecord (bounded, sealed). */
export function auditRecord(
  fields: Pick<AuditRecord, 'name' | 'subject'> & Partial<AuditRecord>,
): AuditRecord {
  return makeRecord(recordFields(fields));
}

/** In-memory "system of record" the test tools read and change. */
export class RecordStore {
  records = new Map<string, { name: string; stage: string }>([
    ['006A', { name: 'Acme renewal', stage: 'Prospecting' }],
    ['006B', { name: 'Globex upsell', stage: 'Qualification' }],
  ]);
  writes: Array<{ id: string; stage: string }> = [];
}

export function testDefinition(store: RecordStore): ServerDefinition {
  const getRecord = defineTool({
    name: 'get_record',
    description: 'Reads an opportunity.',
    input: z.object({ id: z.string().regex(/^[0-9A-Z]{4}$/) }),
    annotations: { readOnlyHint: true },
    handler: async ({ id }) => {
      const record = store.records.get(id);
      if (!record) throw new ToolError('NOT_FOUND', `No opportunity ${id}`);
      return { content: [{ type: 'text', text: JSON.stringify({ id, ...record }) }] };
    },
  });
  const updateStage = defineTool({
    name: 'update_stage',
    description: 'Moves an opportunity to another stage (needs the caller to confirm).',
    input: z.object({
      id: z.string().regex(/^[0-9A-Z]{4}$/),
      stage: z.string().min(1),
      note: z.string().optional(),
      credentials: z.object({ apiKey: z.string() }).optional(),
    }),
    policy: { approval: 'confirm', sensitive: ['credentials.apiKey'] },
    preview: async ({ id, stage }) => {
      const record = store.records.get(id);
      if (!record) throw new ToolError('NOT_FOUND', `No opportunity ${id}`);
      return {
        summary: `Move opportunity ${id} (${record.name}) from ${record.stage} to ${stage}.`,
        changes: { StageName: { from: record.stage, to: stage } },
        records: [`crm:Opportunity/${id}`],
      };
    },
    handler: async ({ id, stage }, ctx) => {
      const record = store.records.get(id);
      if (!record) throw new ToolError('NOT_FOUND', `No opportunity ${id}`);
      record.stage = stage;
      store.writes.push({ id, stage });
      ctx.touch(`crm:Opportunity/${id}`);
      return { content: [{ type: 'text', text: `Opportunity ${id} is now in ${stage}` }] };
    },
  });
  const closeDeal = defineTool({
    name: 'close_deal',
    description: 'Closes an opportunity as won (needs an approver).',
    input: z.object({ id: z.string().regex(/^[0-9A-Z]{4}$/), amount: z.number().positive() }),
    policy: { approval: 'approver' },
    preview: async ({ id, amount }) => ({
      summary: `Close opportunity ${id} as won for ${amount}.`,
      changes: {
        StageName: { from: store.records.get(id)?.stage ?? null, to: 'Closed Won' },
        Amount: amount,
      },
      records: [`crm:Opportunity/${id}`],
    }),
    handler: async ({ id }, ctx) => {
      const record = store.records.get(id);
      if (!record) throw new ToolError('NOT_FOUND', `No opportunity ${id}`);
      record.stage = 'Closed Won';
      store.writes.push({ id, stage: 'Closed Won' });
      ctx.touch(`crm:Opportunity/${id}`);
      return { content: [{ type: 'text', text: `Opportunity ${id} closed` }] };
    },
  });
  const addNote = defineTool({
    name: 'add_note',
    description: 'Adds a note (a write without an approval policy).',
    input: z.object({ id: z.string(), text: z.string(), token: z.string().optional() }),
    policy: { sensitive: ['token'] },
    handler: async ({ id }, ctx) => {
      store.writes.push({ id, stage: 'note' });
      ctx.touch(`crm:Note/${id}-1`);
      return { content: [{ type: 'text', text: 'noted' }] };
    },
  });
  const readme = defineResource({
    uri: 'crm://readme',
    name: 'readme',
    read: async () => [{ uri: 'crm://readme', text: 'hello' }],
  });
  return {
    name: SERVER,
    version: '1.0.0',
    tools: [getRecord, updateStage, closeDeal, addNote].map((t) => withApprovalArgument(t)),
    resources: [readme],
  };
}

/** Stand-in for the runtime's auth hook: the caller comes from test headers. */
function callerFromHeaders(headers: Record<string, string | string[] | undefined>): Caller | undefined {
  const user = headers['x-test-user'];
  if (typeof user !== 'string') return undefined;
  const client = headers['x-test-client'];
  const scopes = headers['x-test-scopes'];
  return {
    subject: user,
    kind: 'user',
    clientId: typeof client === 'string' ? client : 'test-client',
    scopes: typeof scopes === 'string' ? scopes.split(' ').filter(Boolean) : [],
    claims: {},
  };
}

export async function buildApp(
  definition: ServerDefinition,
  features: readonly RuntimeFeature[],
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (request) => {
    const caller = callerFromHeaders(request.headers);
    if (caller) request.caller = caller;
  });
  for (const feature of features) await feature.register?.(app);
  await app.register(mcpPlugin, {
    dispatcher: new Dispatcher(definition, { interceptors: features.flatMap((f) => f.interceptors ?? []) }),
    requestStateSecret: SECRET,
  });
  await app.ready();
  return app;
}

export const mintState = (() => {
  const codec = createStateCodec(SECRET);
  return (payload: unknown) => codec.mint(payload);
})();

export interface ClientOptions extends Pick<McpTestClientOptions, 'era' | 'elicit' | 'elicitModes'> {
  user: string;
  clientId?: string;
  scopes?: string;
}

/** A real MCP client (SDK v2) talking to `baseUrl` as the given user (the test authenticator's headers). */
export function connectClient(baseUrl: string, options: ClientOptions): Promise<McpTestClient> {
  const { user, clientId, scopes, ...rest } = options;
  return connectMcpClient(baseUrl, {
    ...rest,
    name: 'audit-test-client',
    version: '9.9.9',
    headers: {
      'x-test-user': user,
      'x-test-client': clientId ?? 'test-client',
      ...(scopes === undefined ? {} : { 'x-test-scopes': scopes }),
    },
  });
}

/** Structured error content of a failed tool result. */
export function errorOf(result: unknown): { code: string; approvalId?: string; [key: string]: unknown } {
  const r = result as { isError?: boolean; structuredContent?: Record<string, unknown> };
  if (r.isError !== true) throw new Error(`expected an error result, got ${JSON.stringify(result)}`);
  return r.structuredContent as { code: string };
}
