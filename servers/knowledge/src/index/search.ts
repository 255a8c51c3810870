import { queryWithCallSignal } from '@mcp-platform/runtime';
import type pg from 'pg';
import { type EmbeddingProvider, toVectorLiteral } from '../backends/embeddings.ts';

export interface SearchFilters {
  /** Only these spaces (any of them). */
  spaces?: readonly string[] | undefined;
  /** Only chunks of documents carrying every one of these tags. */
  tags?: readonly string[] | undefined;
  /** Only documents updated strictly after this time. */
  updatedAfter?: Date | undefined;
}

export interface SearchRequest {
  query: string;
  filters: SearchFilters;
  offset: number;
  limit: number;
}

export interface SearchHitRow {
  chunkId: string;
  documentId: string;
  ordinal: number;
  title: string;
  section: string;
  anchor: string;
  url: string | null;
  spaceKey: string;
  tags: string[];
  updatedAt: Date;
  version: number;
  snippet: string;
  /** The whole chunk text (scanned for instruction-like content; not returned by the search tool). */
  body: string;
  score: number;
}

export type SearchMode = 'text' | 'hybrid';

export interface SearchPage {
  mode: SearchMode;
  hits: SearchHitRow[];
  hasMore: boolean;
}

/** Search needs only this much of the index's configuration. */
export interface SearchBackend {
  pool: pg.Pool;
  /** Hybrid search runs only with an embedder AND the vector table present. */
  embedder?: EmbeddingProvider | undefined;
  vector: boolean;
}

/**
 * Ranking work is bounded so latency does not grow with the number of matches: the candidates are
 * every title/section match (up to HEAD_CANDIDATES) plus body matches (up to BODY_CANDIDATES, in
 * storage order), and only they are ranked. Queries matching fewer chunks are ranked exactly; very
 * broad ones (a word in most chunks) are ranked among their strongest title/section matches first.
 */
export const HEAD_CANDIDATES = 150;
export const BODY_CANDIDATES = 350;
/** Candidates each side contributes to reciprocal-rank fusion (and so the deepest hybrid page). */
export const HYBRID_CANDIDATES = 100;
/** The usual RRF constant (Cormack et al.): dampens the weight of the very top ranks. */
const RRF_K = 60;
const HEADLINE = 'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';

function filterParams(filters: SearchFilters): [string[] | null, string[] | null, Date | null] {
  return [
    filters.spaces && filters.spaces.length > 0 ? [...filters.spaces] : null,
    filters.tags && filters.tags.length > 0 ? [...filters.tags] : null,
    filters.updatedAfter ?? null,
  ];
}

// $2 spaces, $3 tags, $4 updated-after: NULL disables a filter.
const FILTERS = `($2::text[] IS NULL OR c.space_key = ANY($2::text[]))
  AND ($3::text[] IS NULL OR c.tags @> $3::text[])
  AND ($4::timestamptz IS NULL OR c.updated_at > $4::timestamptz)`;

// Inlined (not a CTE) so that, with the query text bound, the planner folds it to a constant
// tsquery and uses the lexeme statistics: a rare word goes through the GIN index, a very common one
// through a sequential scan that stops after the candidate limit.
const TSQ = `websearch_to_tsquery('english', $1)`;

const DETAILS = `SELECT c.id::text AS chunk_id, c.document_id, c.ordinal, c.doc_title AS title, c.section, c.anchor, d.url,
       c.space_key, c.tags, c.updated_at, d.version, c.body,
       ts_headline('english', c.body, ${TSQ}, '${HEADLINE}') AS snippet`;

// Candidates are ranked where they are found (no second lookup per candidate); a chunk found by both
// scans appears twice with the same score and is merged by GROUP BY.
const RANKED_CANDIDATES = `SELECT k.id, max(k.score) AS score FROM (
    (SELECT c.id, ts_rank_cd(c.tsv, ${TSQ}, 32) AS score FROM kb_chunks c
      WHERE c.head_tsv @@ ${TSQ} AND ${FILTERS} LIMIT ${HEAD_CANDIDATES})
    UNION ALL
    (SELECT c.id, ts_rank_cd(c.tsv, ${TSQ}, 32) AS score FROM kb_chunks c
      WHERE c.tsv @@ ${TSQ} AND ${FILTERS} LIMIT ${BODY_CANDIDATES})
  ) k GROUP BY k.id`;

interface DetailRow {
  chunk_id: string;
  document_id: string;
  ordinal: number;
  title: string;
  section: string;
  anchor: string;
  url: string | null;
  space_key: string;
  tags: string[];
  updated_at: Date;
  version: number;
  snippet: string;
  body: string;
  score?: number;
}

function toHit(row: DetailRow, score: number): SearchHitRow {
  return {
    chunkId: row.chunk_id,
    documentId: row.document_id,
    ordinal: row.ordinal,
    title: row.title,
    section: row.section,
    anchor: row.anchor,
    url: row.url,
    spaceKey: row.space_key,
    tags: row.tags,
    updatedAt: row.updated_at,
    version: row.version,
    snippet: row.snippet,
    body: row.body,
    score,
  };
}

/**
 * Full-text search: `websearch_to_tsquery` (any user input parses; quotes, `or` and `-` work as on
 * web search engines), `ts_rank_cd` over the weighted tsvector (title A, section B, body D), and
 * `ts_headline` snippets computed only for the returned page. One round trip.
 */
export async function textSearch(pool: pg.Pool, request: SearchRequest): Promise<SearchPage> {
  const { rows } = await queryWithCallSignal<DetailRow>(
    pool,
    `WITH ranked AS (${RANKED_CANDIDATES} ORDER BY score DESC, k.id LIMIT $5 OFFSET $6)
     ${DETAILS}, r.score
       FROM ranked r JOIN kb_chunks c ON c.id = r.id JOIN kb_documents d ON d.id = c.document_id
      ORDER BY r.score DESC, r.id`,
    [request.query, ...filterParams(request.filters), request.limit + 1, request.offset],
  );
  const hasMore = rows.length > request.limit;
  return { mode: 'text', hits: rows.slice(0, request.limit).map((r) => toHit(r, Number(r.score))), hasMore };
}

/** Ranks of the text side for fusion (ids only, no snippets). */
async function textCandidates(pool: pg.Pool, query: string, filters: SearchFilters): Promise<string[]> {
  const { rows } = await queryWithCallSignal<{ id: string }>(
    pool,
    `SELECT r.id::text AS id FROM (${RANKED_CANDIDATES}) r ORDER BY r.score DESC, r.id LIMIT $5`,
    [query, ...filterParams(filters), HYBRID_CANDIDATES],
  );
  return rows.map((r) => r.id);
}

async function vectorCandidates(
  pool: pg.Pool,
  vector: readonly number[],
  filters: SearchFilters,
): Promise<string[]> {
  const { rows } = await queryWithCallSignal<{ id: string }>(
    pool,
    `SELECT c.id::text AS id FROM kb_chunk_embeddings e JOIN kb_chunks c ON c.id = e.chunk_id
      WHERE ${FILTERS}
      ORDER BY e.embedding <=> $1::vector, c.id LIMIT $5`,
    [toVectorLiteral(vector), ...filterParams(filters), HYBRID_CANDIDATES],
  );
  return rows.map((r) => r.id);
}

/** Reciprocal-rank fusion of ranked id lists: score(id) = Σ 1 / (k + rank). */
export function reciprocalRankFusion(
  lists: ReadonlyArray<readonly string[]>,
  k = RRF_K,
): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    for (const [index, id] of list.entries()) scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1));
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || Number(a.id) - Number(b.id));
}

/**
 * Hybrid search: the text top-k and the vector top-k (cosine distance on the HNSW index) fused by
 * reciprocal rank. A document that matches the words and the meaning rises; one that only means the
 * same (synonyms, paraphrase) still appears.
 */
export async function hybridSearch(
  pool: pg.Pool,
  embedder: EmbeddingProvider,
  request: SearchRequest,
  signal?: AbortSignal,
): Promise<SearchPage> {
  const [vector] = await embedder.embed([request.query], signal);
  const [text, semantic] = await Promise.all([
    textCandidates(pool, request.query, request.filters),
    vectorCandidates(pool, vector!, request.filters),
  ]);
  const fused = reciprocalRankFusion([text, semantic]);
  const page = fused.slice(request.offset, request.offset + request.limit);
  if (page.length === 0) return { mode: 'hybrid', hits: [], hasMore: false };
  const { rows } = await queryWithCallSignal<DetailRow>(
    pool,
    `${DETAILS}
       FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id
      WHERE c.id = ANY($2::bigint[])`,
    [request.query, page.map((p) => p.id)],
  );
  const byId = new Map(rows.map((r) => [r.chunk_id, r]));
  const hits = page.flatMap((p) => {
    const row = byId.get(p.id);
    return row ? [toHit(row, p.score)] : [];
  });
  return { mode: 'hybrid', hits, hasMore: fused.length > request.offset + request.limit };
}

/** Hybrid when an embedder is configured and the index has embeddings, text otherwise. */
export async function search(
  backend: SearchBackend,
  request: SearchRequest,
  signal?: AbortSignal,
): Promise<SearchPage> {
  if (backend.embedder !== undefined && backend.vector)
    return hybridSearch(backend.pool, backend.embedder, request, signal);
  return textSearch(backend.pool, request);
}
