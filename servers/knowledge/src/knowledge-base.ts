import { createPgPool } from '@mcp-platform/server-kit';
import type pg from 'pg';
import { type EmbeddingProvider, httpEmbeddingProvider } from './backends/embeddings.ts';
import type { EmbeddingSettings } from './config.ts';
import { Indexer } from './index/ingest.ts';
import { embeddingColumnDimensions } from './index/migrate.ts';
import { DEFAULT_LIMITS, type PrepareLimits } from './index/prepare.ts';
import { PreparePool } from './index/prepare-pool.ts';
import type { SearchBackend } from './index/search.ts';

export interface KnowledgeBaseOptions {
  /** The index, as the read-only search role. */
  databaseUrl: string;
  /** The index, as the ingestion role (default: databaseUrl). */
  ingestDatabaseUrl?: string | undefined;
  embedding?: EmbeddingSettings | undefined;
  /** Or a ready-made provider (tests, custom providers); wins over `embedding`. */
  embedder?: EmbeddingProvider | undefined;
  limits?: PrepareLimits;
  /** Search pool size. */
  maxConnections?: number;
}

/** The index as the server uses it: a search pool, an ingestion pool, the embedder and the indexer. */
export interface KnowledgeBase extends SearchBackend {
  pool: pg.Pool;
  ingestPool: pg.Pool;
  indexer: Indexer;
  /** Whether the index holds no document (first start). */
  isEmpty(): Promise<boolean>;
  close(): Promise<void>;
}

function createPool(url: string, max: number, name: string): pg.Pool {
  // A dropped connection (database restart) must not crash the process; the next query reconnects.
  return createPgPool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: name,
  });
}

/**
 * Opens the index. Hybrid search is on only when an embedder is configured AND the index has the
 * embeddings table with matching dimensions (run `migrate` with EMBEDDING_DIMENSIONS where the
 * vector extension exists); otherwise search runs in text mode and says so in every result.
 */
export async function openKnowledgeBase(options: KnowledgeBaseOptions): Promise<KnowledgeBase> {
  const pool = createPool(options.databaseUrl, options.maxConnections ?? 8, 'mcp-knowledge');
  const ingestPool =
    options.ingestDatabaseUrl === undefined || options.ingestDatabaseUrl === options.databaseUrl
      ? pool
      : createPool(options.ingestDatabaseUrl, 4, 'mcp-knowledge-ingest');
  const provider =
    options.embedder ??
    (options.embedding === undefined
      ? undefined
      : httpEmbeddingProvider({
          url: options.embedding.url,
          dimensions: options.embedding.dimensions,
          model: options.embedding.model,
          apiKey: options.embedding.apiKey,
          timeoutMs: options.embedding.timeoutMs,
        }));
  try {
    const dims = provider === undefined ? undefined : await embeddingColumnDimensions(pool);
    const vector = provider !== undefined && dims === provider.dimensions;
    const embedder = vector ? provider : undefined;
    const preparer = new PreparePool();
    preparer.warm();
    const indexer = new Indexer(ingestPool, {
      embedder,
      limits: options.limits ?? DEFAULT_LIMITS,
      preparer,
    });
    let closing: Promise<void> | undefined;
    return {
      pool,
      ingestPool,
      embedder,
      vector,
      indexer,
      async isEmpty() {
        const { rows } = await pool.query<{ empty: boolean }>(
          'SELECT NOT EXISTS (SELECT 1 FROM kb_documents) AS empty',
        );
        return rows[0]?.empty === true;
      },
      close() {
        closing ??= (async () => {
          await preparer.close();
          await pool.end();
          if (ingestPool !== pool) await ingestPool.end();
        })();
        return closing;
      },
    };
  } catch (error) {
    await pool.end();
    if (ingestPool !== pool) await ingestPool.end();
    throw error;
  }
}
