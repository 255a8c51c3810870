import type { ErrorCode } from '@mcp-platform/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Indexer } from '../index/ingest.ts';
import type { ContentType } from '../index/types.ts';

export interface UploadOptions {
  indexer: Indexer;
  /** Scope a caller needs (e.g. `knowledge:ingest`). */
  scope: string;
  /** With AUTH_MODE=none (loopback development only) the local caller may upload. */
  authDisabled: boolean;
  maxBytes: number;
  path?: string;
}

const MEDIA_TYPES: Record<string, ContentType> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'text/plain': 'text',
};

const query = z.object({
  key: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/, 'expected 1-200 letters, digits, `.`, `_`, `/` or `-`')
    .describe('stable id of the document in the upload namespace; uploading the same key again replaces it'),
  space: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a space key like OPS'),
  spaceName: z.string().min(1).max(200).optional(),
  title: z.string().min(1).max(300).optional(),
  tags: z
    .string()
    .max(1000)
    .optional()
    .transform((v) =>
      v === undefined
        ? []
        : v
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
    ),
  url: z.url({ protocol: /^https?$/ }).optional(),
  updated: z.iso.datetime({ offset: true }).optional(),
});

function problem(
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return reply.code(status).send({ error: code, message, ...extra });
}

/**
 * `POST /ingest/documents?key=…&space=…[&title&tags&url&updated]` with the document as the raw body
 * (`Content-Type: text/markdown | text/html | text/plain`). Authenticated by the runtime like every
 * non-public route; the caller also needs the upload scope. Answers 201 added, 200 updated or
 * unchanged, 422 with the reason when the document is refused (nothing is written then).
 */
export async function registerUploadRoute(app: FastifyInstance, options: UploadOptions): Promise<void> {
  const path = options.path ?? '/ingest/documents';
  // An encapsulated context: its body parsers and error handler do not touch the MCP endpoint's.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.maxBytes },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return problem(
          reply,
          413,
          'TOO_LARGE',
          `The document is larger than ${options.maxBytes} bytes (MAX_DOCUMENT_BYTES): split it`,
        );
      }
      const status = error.statusCode ?? 500;
      if (status >= 500) request.log.error({ err: error }, 'upload failed');
      return problem(
        reply,
        status,
        status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST',
        status >= 500 ? 'Internal server error' : error.message,
      );
    });

    scope.post(path, async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = request.caller;
      if (!options.authDisabled && (caller === undefined || !caller.scopes.includes(options.scope))) {
        return problem(reply, 403, 'FORBIDDEN', `Uploading documents needs the scope ${options.scope}`, {
          requiredScope: options.scope,
        });
      }
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const contentType = MEDIA_TYPES[mediaType];
      if (contentType === undefined) {
        return problem(
          reply,
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the document with Content-Type text/markdown, text/html or text/plain',
        );
      }
      const charset = /charset=([^;]+)/i
        .exec(request.headers['content-type'] ?? '')?.[1]
        ?.trim()
        .toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return problem(
          reply,
          415,
          'INVALID_ENCODING',
          `Only UTF-8 is accepted (got charset=${charset}): convert the document to UTF-8`,
        );
      }
      const parsed = query.safeParse(request.query);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
        return problem(reply, 400, 'INVALID_PARAMETERS', `Invalid query parameters: ${issues.join('; ')}`);
      }
      const q = parsed.data;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await options.indexer.ingest({
        source: 'upload',
        sourceKey: q.key,
        space: { key: q.space, name: q.spaceName },
        title: q.title,
        url: q.url,
        tags: q.tags,
        updatedAt: q.updated === undefined ? undefined : new Date(q.updated),
        contentType,
        content: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      });
      request.log.info(
        {
          subject: caller?.subject,
          key: q.key,
          status: outcome.status,
          documentId: outcome.documentId,
          reason: outcome.reason?.code,
        },
        'document upload',
      );
      if (outcome.status === 'failed') {
        const code = outcome.reason?.code ?? 'DATABASE_ERROR';
        const status = code === 'DATABASE_ERROR' || code === 'EMBEDDING_FAILED' ? 503 : 422;
        return problem(reply, status, code, outcome.reason?.message ?? 'The document was refused', {
          sourceKey: outcome.sourceKey,
        });
      }
      return reply.code(outcome.status === 'added' ? 201 : 200).send(outcome);
    });
  });
}
