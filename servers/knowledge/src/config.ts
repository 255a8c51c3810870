import { baseConfigSchema, ConfigError } from '@mcp-platform/runtime';
import { httpUrl, commaList as list, postgresUrl } from '@mcp-platform/server-kit';
import { z } from 'zod';

/**
 * The knowledge server's configuration: the runtime's common variables plus its own, one line each.
 * DATABASE_URL is the index (connect as the read-only search role); without it the server runs on
 * embedded PostgreSQL (PGlite, with pgvector) and ingests the demo corpus on first start.
 */
export const knowledgeConfigSchema = baseConfigSchema.extend({
  // TCP port (the knowledge server's conventional port is 3004).
  PORT: z.coerce.number().int().min(0).max(65535).default(3004).describe('a TCP port 0-65535'),
  // Connection of the ingestion role (writes documents and chunks); default DATABASE_URL.
  INGEST_DATABASE_URL: postgresUrl().optional().describe('postgres://kb_ingest:password@host:5432/database'),
  // Embedded PostgreSQL (PGlite) data directory when DATABASE_URL is unset; `memory://` keeps nothing.
  KNOWLEDGE_DATA_DIR: z
    .string()
    .min(1)
    .default('.data/knowledge')
    .describe('a writable directory path or memory://'),
  // Ingest the demo corpus into an empty index: `auto` (only on embedded PostgreSQL), `true` or `false`.
  DEMO_CORPUS: z.enum(['auto', 'true', 'false']).default('auto').describe('auto, true or false'),
  // OpenAI-compatible embeddings endpoint (POST {input, model} → {data:[{embedding}]}); unset = text search only.
  EMBEDDING_URL: httpUrl().optional().describe('a URL like http://embeddings.internal:8080/v1/embeddings'),
  // Dimensions of the vectors EMBEDDING_URL returns (fixed per index; required with EMBEDDING_URL).
  EMBEDDING_DIMENSIONS: z.coerce.number().int().min(1).max(16_000).optional().describe('an integer like 768'),
  // Model name sent to the embeddings endpoint.
  EMBEDDING_MODEL: z.string().min(1).optional().describe('a model name like nomic-embed-text'),
  // Bearer key for the embeddings endpoint (mount it from a secret).
  EMBEDDING_API_KEY: z.string().min(1).optional().describe('an API key'),
  // Time limit of one embeddings request, in milliseconds.
  EMBEDDING_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('milliseconds'),
  // Confluence base URL including the context path (Cloud: https://<site>.atlassian.net/wiki).
  CONFLUENCE_BASE_URL: httpUrl().optional().describe('a URL like https://example.atlassian.net/wiki'),
  // Confluence Cloud account e-mail (Basic auth with CONFLUENCE_TOKEN); unset = CONFLUENCE_TOKEN is a Bearer personal access token.
  CONFLUENCE_USER: z.string().min(1).optional().describe('an e-mail address like svc-kb@example.com'),
  // Confluence API token (Cloud) or personal access token (Data Center); mount it from a secret.
  CONFLUENCE_TOKEN: z.string().min(1).optional().describe('an API token'),
  // Space keys to ingest from Confluence (comma-separated).
  CONFLUENCE_SPACES: list()
    .pipe(
      z.array(z.string().regex(/^[A-Za-z0-9_~-]{1,255}$/, 'space keys are letters, digits, `_`, `~` or `-`')),
    )
    .default([])
    .describe('comma-separated space keys like OPS,HR'),
  // Pages per Confluence request (the API caps it).
  CONFLUENCE_PAGE_SIZE: z.coerce.number().int().min(1).max(250).default(50).describe('1-250'),
  // Incremental Confluence sync every N minutes inside the server (0 = only through `ingest confluence`).
  CONFLUENCE_SYNC_MINUTES: z.coerce.number().int().min(0).max(10_080).default(0).describe('minutes, 0 = off'),
  // Largest document accepted by ingestion, in bytes.
  MAX_DOCUMENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024)
    .describe('bytes'),
  // Largest chunk, in characters (chunks never span two sections).
  CHUNK_MAX_CHARS: z.coerce
    .number()
    .int()
    .min(200)
    .max(20_000)
    .default(1200)
    .describe('characters, 200-20000'),
  // Scope a caller needs to upload documents over HTTP (POST /ingest/documents).
  UPLOAD_SCOPE: z.string().min(1).default('knowledge:ingest').describe('a scope like knowledge:ingest'),
});

export type KnowledgeConfig = z.output<typeof knowledgeConfigSchema>;

export interface EmbeddingSettings {
  url: string;
  dimensions: number;
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs: number;
}

/** The embedding provider settings, or undefined for text-only search; names what is missing. */
export function embeddingSettings(config: KnowledgeConfig): EmbeddingSettings | undefined {
  if (config.EMBEDDING_URL === undefined) return undefined;
  if (config.EMBEDDING_DIMENSIONS === undefined) {
    throw new ConfigError([
      'EMBEDDING_DIMENSIONS: is required when EMBEDDING_URL is set (expected the vector size the endpoint returns, e.g. 768)',
    ]);
  }
  return {
    url: config.EMBEDDING_URL,
    dimensions: config.EMBEDDING_DIMENSIONS,
    model: config.EMBEDDING_MODEL,
    apiKey: config.EMBEDDING_API_KEY,
    timeoutMs: config.EMBEDDING_TIMEOUT_MS,
  };
}

export interface ConfluenceSettings {
  baseUrl: string;
  user?: string | undefined;
  token: string;
  spaces: string[];
  pageSize: number;
}

/** The Confluence source settings, or undefined when CONFLUENCE_BASE_URL is unset. */
export function confluenceSettings(config: KnowledgeConfig): ConfluenceSettings | undefined {
  if (config.CONFLUENCE_BASE_URL === undefined) return undefined;
  const problems: string[] = [];
  if (config.CONFLUENCE_TOKEN === undefined)
    problems.push('CONFLUENCE_TOKEN: is required when CONFLUENCE_BASE_URL is set');
  if (config.CONFLUENCE_SPACES.length === 0) {
    problems.push(
      'CONFLUENCE_SPACES: is required when CONFLUENCE_BASE_URL is set (expected space keys like OPS,HR)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    baseUrl: config.CONFLUENCE_BASE_URL,
    user: config.CONFLUENCE_USER,
    token: config.CONFLUENCE_TOKEN as string,
    spaces: config.CONFLUENCE_SPACES,
    pageSize: config.CONFLUENCE_PAGE_SIZE,
  };
}
