import { z } from 'zod';

/** Shapes shared by several tools: inputs (filters) and outputs (citations, document summaries). */

export const SPACE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DOCUMENT_ID = /^[a-z0-9][a-z0-9-]{0,80}$/;

export const spacesInput = z
  .array(z.string().regex(SPACE_KEY, 'a space key like OPS (see list_spaces)'))
  .max(20)
  .optional()
  .describe('Only documents in these spaces (any of them); keys from list_spaces');
export const tagsInput = z
  .array(z.string().trim().toLowerCase().min(1).max(64))
  .max(20)
  .optional()
  .describe('Only documents carrying ALL of these tags, e.g. ["runbook", "payment-service"]');
export const timestampInput = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
export const documentIdInput = z
  .string()
  .regex(DOCUMENT_ID, 'a document id like payment-service-latency-1a2b3c4d (from search results)')
  .describe('Document id from a search result or citation');

export const citationSchema = z.object({
  documentId: z.string(),
  title: z.string(),
  section: z.string().describe('Section path inside the document, e.g. "Mitigation steps"'),
  url: z
    .string()
    .nullable()
    .describe('Link to the source page (with the section anchor when known); null for uploads without one'),
  updated: z.string().describe('When the document last changed in its source (ISO 8601)'),
  version: z.number().int(),
  uri: z.string().describe('MCP resource URI of the document, e.g. kb://documents/<id>'),
});
export type Citation = z.output<typeof citationSchema>;

export function citation(input: {
  documentId: string;
  title: string;
  section: string;
  anchor: string | undefined;
  url: string | null;
  updatedAt: Date;
  version: number;
}): Citation {
  const fragment = input.anchor === undefined || input.anchor === 'top' ? '' : `#${input.anchor}`;
  return {
    documentId: input.documentId,
    title: input.title,
    section: input.section,
    url: input.url === null ? null : `${input.url.replace(/#.*$/, '')}${fragment}`,
    updated: input.updatedAt.toISOString(),
    version: input.version,
    uri: `kb://documents/${input.documentId}`,
  };
}

export const documentSummarySchema = z.object({
  documentId: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  space: z.string(),
  tags: z.array(z.string()),
  updated: z.string(),
  version: z.number().int(),
  uri: z.string(),
});
