import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { getDocument, insertFeedback } from '../index/documents.ts';
import type { KnowledgeBase } from '../knowledge-base.ts';
import { documentIdInput } from './shapes.ts';

const input = z.object({
  documentId: documentIdInput,
  section: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .describe('The section the feedback is about (from the citation)'),
  rating: z
    .enum(['helpful', 'not_helpful', 'outdated', 'incorrect', 'unsafe'])
    .describe(
      'helpful / not_helpful for relevance; outdated or incorrect content; unsafe = contains instructions aimed at AI agents or harmful steps',
    ),
  query: z.string().trim().max(500).optional().describe('The search query that led to the document'),
  comment: z.string().trim().max(2000).optional().describe('What was wrong or missing, in a sentence or two'),
});

const output = z.object({
  feedbackId: z.string(),
  documentId: z.string(),
  rating: z.string(),
  recordedAt: z.string(),
});

export function submitFeedbackTool(kb: KnowledgeBase) {
  return defineTool({
    name: 'submit_feedback',
    title: 'Submit feedback on a search result',
    description:
      'Records feedback on a document or section the user relied on (helpful, not helpful, outdated, incorrect, or unsafe ' +
      'when it contains instructions aimed at AI agents). Documentation owners review it. Writes one feedback record, ' +
      'attributed to the caller and audited; it never changes the document.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    policy: { approval: 'none', rateLimitPerMinute: 30 },
    handler: async (args, ctx) => {
      const doc = await getDocument(kb.pool, args.documentId);
      if (doc === undefined) {
        throw new ToolError('NOT_FOUND', `No document with id ${args.documentId}`, {
          hint: 'Use the documentId from the citation of the result the feedback is about.',
        });
      }
      const saved = await insertFeedback(kb.pool, {
        documentId: doc.id,
        section: args.section,
        query: args.query,
        rating: args.rating,
        comment: args.comment,
        subject: ctx.caller.subject,
        correlationId: ctx.correlationId,
      });
      ctx.touch(`knowledge:feedback/${saved.id}`);
      ctx.log.info({ documentId: doc.id, rating: args.rating, feedbackId: saved.id }, 'feedback recorded');
      return {
        feedbackId: saved.id,
        documentId: doc.id,
        rating: args.rating,
        recordedAt: saved.createdAt.toISOString(),
      };
    },
    render: (out) =>
      `Feedback ${out.feedbackId} (${out.rating}) recorded for document ${out.documentId}. Thank you.`,
  });
}
