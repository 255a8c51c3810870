import type pg from 'pg';
import { type EmbeddingProvider, toVectorLiteral } from '../backends/embeddings.ts';
import { DocumentRejectedError, type RejectionCode, SourceError } from '../errors.ts';
import { DEFAULT_LIMITS, type PrepareLimits } from './prepare.ts';
import { PreparePool } from './prepare-pool.ts';
import type { IncomingDocument, PreparedDocument } from './types.ts';

export type IngestStatus = 'added' | 'updated' | 'unchanged' | 'failed';

export interface IngestOutcome {
  status: IngestStatus;
  sourceKey: string;
  documentId?: string;
  title?: string;
  version?: number;
  chunks?: number;
  /** Why a failed document was refused; the message says what to do. */
  reason?: { code: RejectionCode; message: string };
}

export interface IndexerOptions {
  /** Embeds chunks for hybrid search; only when the index has the vector table. */
  embedder?: EmbeddingProvider | undefined;
  limits?: PrepareLimits;
  /** Where documents are decoded, parsed and chunked (default: a pool of worker threads owned by the indexer). */
  preparer?: PreparePool;
}

/** Text embedded for a chunk: the document title and section give a short chunk its context. */
export function embeddingText(doc: { title: string }, chunk: { section: string; body: string }): string {
  return `${doc.title}\n${chunk.section}\n\n${chunk.body}`;
}

/**
 * Writes documents into the index, one transaction per document: a changed document's chunks (and
 * embeddings) are replaced atomically, an unchanged one (same content hash) is skipped, and a refused
 * or failed one leaves nothing behind. Use a pool connected as the ingestion role.
 */
export class Indexer {
  private readonly pool: pg.Pool;
  private readonly embedder: EmbeddingProvider | undefined;
  private readonly limits: PrepareLimits;
  private readonly preparer: PreparePool;
  private readonly ownsPreparer: boolean;

  constructor(pool: pg.Pool, options: IndexerOptions = {}) {
    this.pool = pool;
    this.embedder = options.embedder;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.ownsPreparer = options.preparer === undefined;
    this.preparer = options.preparer ?? new PreparePool();
  }

  /** Stops the worker threads the indexer owns. */
  async close(): Promise<void> {
    if (this.ownsPreparer) await this.preparer.close();
  }

  async ingest(doc: IncomingDocument, signal?: AbortSignal): Promise<IngestOutcome> {
    const sourceKey = `${doc.source}:${doc.sourceKey}`;
    try {
      // Off the event loop, with a time budget: a hostile document cannot stall the server.
      const prepared = await this.preparer.prepare(doc, this.limits);
      let vectors: number[][] | undefined;
      if (this.embedder !== undefined) {
        // Check before paying for embeddings; the write re-checks under the row lock anyway.
        const existing = await this.pool.query<{ content_hash: string; version: number }>(
          'SELECT content_hash, version FROM kb_documents WHERE source_key = $1',
          [prepared.sourceKey],
        );
        const before = existing.rows[0];
        if (before?.content_hash === prepared.contentHash)
          return this.outcome('unchanged', prepared, before.version);
        vectors = await this.embed(prepared, signal);
      }
      return await this.write(prepared, vectors);
    } catch (error) {
      return { status: 'failed', sourceKey, reason: reasonOf(error) };
    }
  }

  private async embed(doc: PreparedDocument, signal?: AbortSignal): Promise<number[][] | undefined> {
    if (this.embedder === undefined) return undefined;
    try {
      return await this.embedder.embed(
        doc.chunks.map((c) => embeddingText(doc, c)),
        signal,
      );
    } catch (cause) {
      throw new DocumentRejectedError(
        'EMBEDDING_FAILED',
        `Embedding the document failed (${(cause as Error).message}); nothing was written: ingest it again later`,
        { cause },
      );
    }
  }

  private async write(doc: PreparedDocument, vectors: number[][] | undefined): Promise<IngestOutcome> {
    const params = [
      doc.id,
      doc.source,
      doc.sourceKey,
      doc.spaceKey,
      doc.spaceName,
      doc.title,
      doc.url,
      doc.tags,
      doc.version ?? null,
      doc.contentType,
      doc.contentHash,
      doc.charCount,
      doc.updatedAt,
      doc.chunks.map((c) => c.ordinal),
      doc.chunks.map((c) => c.section),
      doc.chunks.map((c) => c.anchor),
      doc.chunks.map((c) => c.body),
    ];
    const sql = `SELECT status, version, chunk_ids::text[] AS chunk_ids
                   FROM kb_write_document($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`;
    type Written = { status: IngestStatus; version: number; chunk_ids: string[] | null };
    if (vectors === undefined) {
      // One statement = one implicit transaction: the document and its chunks change together or not at all.
      const { rows } = await this.pool.query<Written>(sql, params);
      return this.outcome(rows[0]!.status, doc, rows[0]!.version);
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Written>(sql, params);
      const written = rows[0]!;
      if (written.status !== 'unchanged' && written.chunk_ids !== null) {
        await client.query(
          `INSERT INTO kb_chunk_embeddings (chunk_id, document_id, embedding)
           SELECT t.chunk_id, $1, t.embedding::vector FROM unnest($2::bigint[], $3::text[]) AS t(chunk_id, embedding)`,
          [doc.id, written.chunk_ids, vectors.map(toVectorLiteral)],
        );
      }
      await client.query('COMMIT');
      return this.outcome(written.status, doc, written.version);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private outcome(status: IngestStatus, doc: PreparedDocument, version: number): IngestOutcome {
    return {
      status,
      sourceKey: doc.sourceKey,
      documentId: doc.id,
      title: doc.title,
      version,
      chunks: doc.chunks.length,
    };
  }
}

function reasonOf(error: unknown): { code: RejectionCode; message: string } {
  if (error instanceof DocumentRejectedError) return { code: error.code, message: error.message };
  if (error instanceof SourceError) return { code: 'SOURCE_ERROR', message: error.message };
  const pgCode = (error as { code?: unknown }).code;
  if (typeof pgCode === 'string') {
    return {
      code: 'DATABASE_ERROR',
      message: `The database refused the document (SQLSTATE ${pgCode}); nothing was written`,
    };
  }
  return {
    code: 'DATABASE_ERROR',
    message: `Writing the document failed (${(error as Error).message}); nothing was written`,
  };
}

/** Counts of a batch, for the CLI summary and the upload endpoint. */
export interface IngestSummary {
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  failures: Array<{ sourceKey: string; code: RejectionCode; message: string }>;
}

export function summarise(outcomes: readonly IngestOutcome[]): IngestSummary {
  const summary: IngestSummary = { added: 0, updated: 0, unchanged: 0, failed: 0, failures: [] };
  for (const o of outcomes) {
    summary[o.status]++;
    if (o.status === 'failed' && o.reason) summary.failures.push({ sourceKey: o.sourceKey, ...o.reason });
  }
  return summary;
}
