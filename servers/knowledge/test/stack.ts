import { migrateServer, parseEnv, startFullStack } from '@mcp-platform/runtime';
import { connectMcpClient } from '@mcp-platform/test-support';
import type * as McpClient from '@modelcontextprotocol/client';
import pino from 'pino';
import { ingestDemoCorpus, knowledgeDefinition, knowledgeFeature } from '../src/app.ts';
import { knowledgeConfigSchema } from '../src/config.ts';
import type { IngestSummary } from '../src/index/ingest.ts';
import { migrate } from '../src/index/migrate.ts';
import type { KnowledgeBase } from '../src/knowledge-base.ts';
import { openKnowledgeBase } from '../src/knowledge-base.ts';
import { createTestDatabase } from './support.ts';

export interface KnowledgeStack {
  kb: KnowledgeBase;
  url: string;
  databaseUrl: string;
  demo: IngestSummary;
  token(scope?: string, subject?: string): Promise<string>;
  client(scope?: string): Promise<McpClient.Client>;
  close(): Promise<void>;
}

/**
 * The knowledge server with the full production stack (JWT auth against a local issuer, audit trail
 * in PostgreSQL, rate limits, metrics) on 127.0.0.1, over a fresh index holding the demo corpus.
 */
export async function startKnowledgeStack(
  baseUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<KnowledgeStack> {
  const db = await createTestDatabase(baseUrl, prefix);
  await migrate(db.url, {});
  await migrateServer({ name: 'knowledge', env: { DATABASE_URL: db.url }, config: {} });
  const kb = await openKnowledgeBase({ databaseUrl: db.url });
  const demo = await ingestDemoCorpus(kb, new Date('2026-11-01T12:00:00Z'));
  const config = parseEnv(knowledgeConfigSchema, { AUTH_MODE: 'oauth', ...env });
  const stack = await startFullStack({
    definition: knowledgeDefinition(kb),
    databaseUrl: db.url,
    env: { LOG_LEVEL: 'silent', ...env },
    features: [knowledgeFeature({ kb, config, log: pino({ level: 'silent' }) })],
  });
  const clients: McpClient.Client[] = [];
  return {
    kb,
    url: stack.url,
    databaseUrl: db.url,
    demo,
    token: (scope, subject) => stack.token(scope, subject),
    async client(scope = 'knowledge:read knowledge:write') {
      const token = await stack.token(scope, 'oncall-engineer');
      const client = await connectMcpClient(stack.url, { token, name: 'knowledge-test' });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => {});
      await stack.close();
      await kb.close();
      await db.drop();
    },
  };
}
