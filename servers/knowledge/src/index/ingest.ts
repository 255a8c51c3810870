import type pg from 'pg';
import { DocumentRejectedError, type RejectionCode, SourceError } from '../errors.ts';
import { type EmbeddingProvider, toVectorLiteral } from './embeddings.ts';
import { DEFAULT_LIMITS, type PrepareLimits, prepareDocument } from './prepare.ts';
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
  /** Spaces known to exist with this name (saves a statement per document). */
  private readonly knownSpaces = new Map<string, string>();

  constructor(pool: pg.Pool, options: IndexerOptions = {}) {
    this.pool = pool;
    this.embedder = options.embedder;
    this.limits = options.limits ?? DEFAULT_LIMITS;
  }

  async ingest(doc: IncomingDocument, signal?: AbortSignal): Promise<IngestOutcome> {
    const sourceKey = `${doc.source}:${doc.sourceKey}`;
    try {
      const prepared = prepareDocument(doc, this.limits);
      let vectors: number[][] | undefined;
      if (this.embedder !== undefined) {
        // Check before paying for embeddings; the write re-checks under the row lock anyway.
        const existing = await this.pool.query<{ content_hash: string; version: number }>(
          'SELECT content_hash, version FROM kb_documents WHERE source_key = $1',
          [prepared.sourceKey],
        );
        const before = existing.rows[0];
        if (before?.content_hash === prepared.contentHash) return this.outcome('unchanged', prepared, before.version);
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
    const client = await this.pool.connect();
    try {
      // Losing the last moments of commits in a crash is harmless here (ingestion is idempotent and
      // re-run), and skipping the WAL flush wait per document multiplies throughput.
      await client.query('BEGIN; SET LOCAL synchronous_commit = off');
      if (this.knownSpaces.get(doc.spaceKey) !== doc.spaceName) {
        await client.query(
          `INSERT INTO kb_spaces (key, name) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name
            WHERE EXCLUDED.name <> EXCLUDED.key AND kb_spaces.name <> EXCLUDED.name`,
          [doc.spaceKey, doc.spaceName],
        );
      }
      // Re-check under the row lock: a concurrent ingestion of the same document may have won.
      const locked = await client.query<{ content_hash: string; version: number }>(
        'SELECT content_hash, version FROM kb_documents WHERE source_key = $1 FOR UPDATE',
        [doc.sourceKey],
      );
      if (locked.rows[0]?.content_hash === doc.contentHash) {
        await client.query('ROLLBACK');
        return this.outcome('unchanged', doc, locked.rows[0].version);
      }
      const upsert = await client.query<{ version: number; inserted: boolean }>(
        `INSERT INTO kb_documents (id, source, source_key, space_key, title, url, tags, version, content_type,
                                   content_hash, char_count, chunk_count, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, 1), $9, $10, $11, $12, $13)
         ON CONFLICT (source_key) DO UPDATE SET
           space_key = EXCLUDED.space_key, title = EXCLUDED.title, url = EXCLUDED.url, tags = EXCLUDED.tags,
           version = COALESCE($8, kb_documents.version + 1), content_type = EXCLUDED.content_type,
           content_hash = EXCLUDED.content_hash, char_count = EXCLUDED.char_count,
           chunk_count = EXCLUDED.chunk_count, updated_at = EXCLUDED.updated_at, ingested_at = now()
         WHERE kb_documents.content_hash <> EXCLUDED.content_hash
         RETURNING version, (xmax = 0) AS inserted`,
        [
          doc.id,
          doc.source,
          doc.sourceKey,
          doc.spaceKey,
          doc.title,
          doc.url,
          doc.tags,
          doc.version ?? null,
          doc.contentType,
          doc.contentHash,
          doc.charCount,
          doc.chunks.length,
          doc.updatedAt,
        ],
      );
      const written = upsert.rows[0];
      if (written === undefined) {
        // A concurrent ingestion inserted the same content between our lock and our insert.
        await client.query('ROLLBACK');
        return this.outcome('unchanged', doc, locked.rows[0]?.version ?? 1);
      }
      if (!written.inserted) await client.query('DELETE FROM kb_chunks WHERE document_id = $1', [doc.id]);
      const inserted = await client.query<{ id: string; ordinal: number }>(
        `INSERT INTO kb_chunks (document_id, ordinal, section, anchor, body, doc_title, space_key, tags, updated_at)
         SELECT $1, t.ordinal, t.section, t.anchor, t.body, $2, $3, $4, $5
           FROM unnest($6::int[], $7::text[], $8::text[], $9::text[]) AS t(ordinal, section, anchor, body)
         RETURNING id, ordinal`,
        [
          doc.id,
          doc.title,
          doc.spaceKey,
          doc.tags,
          doc.updatedAt,
          doc.chunks.map((c) => c.ordinal),
          doc.chunks.map((c) => c.section),
          doc.chunks.map((c) => c.anchor),
          doc.chunks.map((c) => c.body),
        ],
      );
      if (vectors !== undefined) {
        const idByOrdinal = new Map(inserted.rows.map((r) => [r.ordinal, r.id]));
        await client.query(
          `INSERT INTO kb_chunk_embeddings (chunk_id, document_id, embedding)
           SELECT t.chunk_id, $1, t.embedding::vector FROM unnest($2::bigint[], $3::text[]) AS t(chunk_id, embedding)`,
          [doc.id, doc.chunks.map((c) => idByOrdinal.get(c.ordinal)), vectors.map(toVectorLiteral)],
        );
      }
      await client.query('COMMIT');
      if (this.knownSpaces.size < 10_000) this.knownSpaces.set(doc.spaceKey, doc.spaceName);
      return this.outcome(written.inserted ? 'added' : 'updated', doc, written.version);
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
