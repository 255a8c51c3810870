import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as McpClient from '@modelcontextprotocol/client';
import pg from 'pg';
import { migrate } from '../src/index/migrate.ts';
import type { IncomingDocument } from '../src/index/types.ts';
import { type KnowledgeBase, type KnowledgeBaseOptions, openKnowledgeBase } from '../src/knowledge-base.ts';

export const mcpClient = createRequire(import.meta.url)('@modelcontextprotocol/client') as typeof McpClient;

/** A throwaway database on the shared PostgreSQL (one per test file), dropped at the end. */
export async function createTestDatabase(
  baseUrl: string,
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `knowledge_test_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh migrated index in its own database. */
export async function freshIndex(
  baseUrl: string,
  prefix: string,
  options: Omit<KnowledgeBaseOptions, 'databaseUrl'> = {},
): Promise<{ kb: KnowledgeBase; url: string; close: () => Promise<void> }> {
  const db = await createTestDatabase(baseUrl, prefix);
  await migrate(db.url, { embeddingDimensions: options.embedder?.dimensions });
  const kb = await openKnowledgeBase({ databaseUrl: db.url, ...options });
  return {
    kb,
    url: db.url,
    async close() {
      await kb.close();
      await db.drop();
    },
  };
}

/** A Markdown document for tests. */
export function markdownDoc(
  sourceKey: string,
  markdown: string,
  extra: Partial<IncomingDocument> = {},
): IncomingDocument {
  return {
    source: 'folder',
    sourceKey,
    space: { key: 'OPS' },
    contentType: 'markdown',
    content: markdown,
    ...extra,
  };
}
