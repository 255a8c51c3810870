import { createRequire } from 'node:module';
import {
  createTestDatabase as createSharedTestDatabase,
  type TestDatabase,
} from '@mcp-platform/test-support';
import type * as McpClient from '@modelcontextprotocol/client';
import { migrate } from '../src/index/migrate.ts';
import type { IncomingDocument } from '../src/index/types.ts';
import { type KnowledgeBase, type KnowledgeBaseOptions, openKnowledgeBase } from '../src/knowledge-base.ts';

export const mcpClient = createRequire(import.meta.url)('@modelcontextprotocol/client') as typeof McpClient;

/** A throwaway database on the shared PostgreSQL (one per test file), dropped at the end. */
export function createTestDatabase(baseUrl: string, prefix: string): Promise<TestDatabase> {
  return createSharedTestDatabase(baseUrl, `knowledge_test_${prefix}`);
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
