import type pg from 'pg';

export interface DocumentRow {
  id: string;
  title: string;
  url: string | null;
  spaceKey: string;
  spaceName: string;
  tags: string[];
  version: number;
  source: string;
  updatedAt: Date;
  chunkCount: number;
}

export interface ChunkRow {
  ordinal: number;
  section: string;
  anchor: string;
  body: string;
}

export interface OutlineEntry {
  section: string;
  anchor: string;
  firstOrdinal: number;
  chunks: number;
}

const DOCUMENT_COLUMNS = `d.id, d.title, d.url, d.space_key AS "spaceKey", s.name AS "spaceName", d.tags, d.version,
  d.source, d.updated_at AS "updatedAt", d.chunk_count AS "chunkCount"`;

export async function getDocument(pool: pg.Pool, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await pool.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM kb_documents d JOIN kb_spaces s ON s.key = d.space_key WHERE d.id = $1`,
    [id],
  );
  return rows[0];
}

/** The document's sections in order, with where each starts (for navigation and section lookup). */
export async function getOutline(pool: pg.Pool, id: string): Promise<OutlineEntry[]> {
  const { rows } = await pool.query<OutlineEntry>(
    `SELECT section, anchor, min(ordinal) AS "firstOrdinal", count(*)::int AS chunks
       FROM kb_chunks WHERE document_id = $1 GROUP BY section, anchor ORDER BY min(ordinal)`,
    [id],
  );
  return rows;
}

/**
 * Chunks from `fromOrdinal` on (optionally only one section's), up to `maxChars` of text; at least
 * one chunk is returned so a page always makes progress.
 */
export async function readChunks(
  pool: pg.Pool,
  id: string,
  options: { fromOrdinal: number; anchor?: string | undefined; maxChars: number },
): Promise<{ chunks: ChunkRow[]; nextOrdinal: number | undefined }> {
  const { rows } = await pool.query<ChunkRow>(
    `SELECT ordinal, section, anchor, body FROM kb_chunks
      WHERE document_id = $1 AND ordinal >= $2 AND ($3::text IS NULL OR anchor = $3)
      ORDER BY ordinal LIMIT 200`,
    [id, options.fromOrdinal, options.anchor ?? null],
  );
  const chunks: ChunkRow[] = [];
  let used = 0;
  for (const row of rows) {
    if (chunks.length > 0 && used + row.body.length > options.maxChars) {
      return { chunks, nextOrdinal: row.ordinal };
    }
    chunks.push(row);
    used += row.body.length;
  }
  return { chunks, nextOrdinal: rows.length === 200 ? rows[rows.length - 1]!.ordinal + 1 : undefined };
}

export interface RelatedRow {
  id: string;
  title: string;
  url: string | null;
  spaceKey: string;
  tags: string[];
  updatedAt: Date;
  version: number;
  score: number;
  sharedTags: string[];
}

/**
 * Documents related to `id`: chunks matching any word of its title and section headings (OR query
 * over its own lexemes), best chunk per document, plus a bonus per shared tag and for the same space.
 */
export async function relatedDocuments(pool: pg.Pool, id: string, limit: number): Promise<RelatedRow[]> {
  const { rows } = await pool.query<RelatedRow>(
    `WITH src AS (
       SELECT d.id, d.space_key, d.tags,
              (SELECT to_tsquery('english', string_agg(quote_literal(lexeme), ' | '))
                 FROM (SELECT DISTINCT unnest(tsvector_to_array(
                         to_tsvector('english', d.title || ' ' || coalesce(
                           (SELECT string_agg(DISTINCT c.section, ' ') FROM kb_chunks c WHERE c.document_id = d.id), '')))) AS lexeme
                       LIMIT 48) l) AS q
         FROM kb_documents d WHERE d.id = $1),
     best AS (
       SELECT c.document_id, max(ts_rank_cd(c.tsv, src.q, 32)) AS rank
         FROM kb_chunks c, src
        WHERE src.q IS NOT NULL AND c.tsv @@ src.q AND c.document_id <> src.id
        GROUP BY c.document_id
        ORDER BY rank DESC LIMIT 200)
     SELECT d.id, d.title, d.url, d.space_key AS "spaceKey", d.tags, d.updated_at AS "updatedAt", d.version,
            ARRAY(SELECT unnest(d.tags) INTERSECT SELECT unnest(src.tags) ORDER BY 1) AS "sharedTags",
            (b.rank + 0.05 * cardinality(ARRAY(SELECT unnest(d.tags) INTERSECT SELECT unnest(src.tags)))
                    + CASE WHEN d.space_key = src.space_key THEN 0.02 ELSE 0 END)::float8 AS score
       FROM best b JOIN kb_documents d ON d.id = b.document_id, src
      ORDER BY score DESC, d.id LIMIT $2`,
    [id, limit],
  );
  return rows;
}

export interface SpaceRow {
  key: string;
  name: string;
  documents: number;
  lastUpdated: Date | null;
}

export async function listSpaces(pool: pg.Pool): Promise<SpaceRow[]> {
  const { rows } = await pool.query<SpaceRow>(
    `SELECT s.key, s.name, count(d.id)::int AS documents, max(d.updated_at) AS "lastUpdated"
       FROM kb_spaces s LEFT JOIN kb_documents d ON d.space_key = s.key
      GROUP BY s.key, s.name ORDER BY s.key`,
  );
  return rows;
}

export interface RecentRequest {
  spaces?: readonly string[] | undefined;
  tags?: readonly string[] | undefined;
  updatedAfter?: Date | undefined;
  updatedBefore?: Date | undefined;
  /** Keyset position: continue after this (updatedAt, id). */
  after?: { updatedAt: Date; id: string } | undefined;
  limit: number;
}

/** Documents by last update, newest first, keyset-paginated on (updated_at, id). */
export async function recentDocuments(
  pool: pg.Pool,
  request: RecentRequest,
): Promise<{ rows: DocumentRow[]; hasMore: boolean }> {
  const { rows } = await pool.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM kb_documents d JOIN kb_spaces s ON s.key = d.space_key
      WHERE ($1::text[] IS NULL OR d.space_key = ANY($1::text[]))
        AND ($2::text[] IS NULL OR d.tags @> $2::text[])
        AND ($3::timestamptz IS NULL OR d.updated_at > $3)
        AND ($4::timestamptz IS NULL OR d.updated_at < $4)
        AND ($5::timestamptz IS NULL OR (d.updated_at, d.id) < ($5::timestamptz, $6::text))
      ORDER BY d.updated_at DESC, d.id DESC LIMIT $7`,
    [
      request.spaces && request.spaces.length > 0 ? [...request.spaces] : null,
      request.tags && request.tags.length > 0 ? [...request.tags] : null,
      request.updatedAfter ?? null,
      request.updatedBefore ?? null,
      request.after?.updatedAt ?? null,
      request.after?.id ?? null,
      request.limit + 1,
    ],
  );
  return { rows: rows.slice(0, request.limit), hasMore: rows.length > request.limit };
}

export type FeedbackRating = 'helpful' | 'not_helpful' | 'outdated' | 'incorrect' | 'unsafe';

export async function insertFeedback(
  pool: pg.Pool,
  feedback: {
    documentId: string;
    section?: string | undefined;
    query?: string | undefined;
    rating: FeedbackRating;
    comment?: string | undefined;
    subject: string;
    correlationId: string;
  },
): Promise<{ id: string; createdAt: Date }> {
  const { rows } = await pool.query<{ id: string; createdAt: Date }>(
    `INSERT INTO kb_feedback (document_id, section, query, rating, comment, subject, correlation_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text, created_at AS "createdAt"`,
    [
      feedback.documentId,
      feedback.section ?? null,
      feedback.query ?? null,
      feedback.rating,
      feedback.comment ?? null,
      feedback.subject,
      feedback.correlationId,
    ],
  );
  return rows[0]!;
}
