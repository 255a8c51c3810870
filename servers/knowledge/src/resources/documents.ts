import { defineResourceTemplate, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { getDocument, readChunks, recentDocuments } from '../index/documents.ts';
import type { KnowledgeBase } from '../knowledge-base.ts';
import { DOCUMENT_ID } from '../tools/shapes.ts';
import { untrustedFlags, wrapUntrusted } from '../untrusted.ts';

/** The largest document text one resource read returns; longer documents are read with get_document. */
const MAX_RESOURCE_CHARS = 200_000;

/** Every document as an MCP resource: `kb://documents/{id}`, its text as Markdown inside an untrusted block. */
export function documentResource(kb: KnowledgeBase) {
  return defineResourceTemplate({
    uriTemplate: 'kb://documents/{id}',
    name: 'document',
    title: 'Knowledge-base document',
    description:
      'The full text of one document (Markdown, sections as headings), wrapped as untrusted content, with its metadata.',
    mimeType: 'text/markdown',
    variables: z.object({
      id: z.string().regex(DOCUMENT_ID, 'id must be a document id like payment-service-latency-1a2b3c4d'),
    }),
    read: async (uri, { id }) => {
      const doc = await getDocument(kb.pool, id!);
      if (doc === undefined)
        throw new ToolError('NOT_FOUND', `Resource not found: no document with id ${id}`);
      const { chunks, nextOrdinal } = await readChunks(kb.pool, doc.id, {
        fromOrdinal: 0,
        maxChars: MAX_RESOURCE_CHARS,
      });
      const parts: string[] = [];
      let section: string | undefined;
      for (const chunk of chunks) {
        if (chunk.section !== section) {
          section = chunk.section;
          parts.push(`## ${chunk.section}`);
        }
        parts.push(chunk.body);
      }
      if (nextOrdinal !== undefined)
        parts.push(`[truncated: read the rest with get_document, documentId ${doc.id}]`);
      const body = `# ${doc.title}\n\n${parts.join('\n\n')}`;
      const flags = untrustedFlags(body);
      return [
        {
          uri,
          mimeType: 'text/markdown',
          text: wrapUntrusted(body, 'document', {
            id: doc.id,
            source: doc.url ?? undefined,
            space: doc.spaceKey,
            updated: doc.updatedAt.toISOString(),
            version: doc.version,
          }),
          _meta: {
            documentId: doc.id,
            title: doc.title,
            url: doc.url,
            space: doc.spaceKey,
            tags: doc.tags,
            updated: doc.updatedAt.toISOString(),
            version: doc.version,
            ...flags,
          },
        },
      ];
    },
    list: async () => {
      const { rows } = await recentDocuments(kb.pool, { limit: 50 });
      return rows.map((d) => ({
        uri: `kb://documents/${d.id}`,
        name: d.id,
        title: d.title,
        mimeType: 'text/markdown',
      }));
    },
    complete: {
      id: async (value) => {
        const { rows } = await kb.pool.query<{ id: string }>(
          `SELECT id FROM kb_documents WHERE id LIKE $1 || '%' ORDER BY id LIMIT 20`,
          [value.toLowerCase().replace(/[^a-z0-9-]/g, '')],
        );
        return rows.map((r) => r.id);
      },
    },
  });
}
