import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPgClient, type MigrationSet, runMigrations } from '@mcp-platform/server-kit';
import type pg from 'pg';
import { MIGRATIONS_DIR, SQL_DIR } from '../assets.ts';
import { IndexSchemaError } from '../errors.ts';

export interface MigrateOptions {
  /** EMBEDDING_DIMENSIONS when an embedding provider is configured: adds the vector table if the extension exists. */
  embeddingDimensions?: number | undefined;
  /** Role the server searches as: granted read on the index and insert on feedback, nothing else. */
  searchRole?: string | undefined;
  /** Role ingestion writes as: granted what writing documents and chunks needs, nothing else. */
  ingestRole?: string | undefined;
  log?: (message: string) => void;
}

export const WRITE_DOCUMENT_SIGNATURE =
  'kb_write_document(text, text, text, text, text, text, text, text[], integer, text, text, integer, timestamptz, integer[], text[], text[], text[])';

/** The exact privileges of the two runtime roles (also printed in docs/servers/knowledge.md). */
export function grantStatements(
  roles: { searchRole?: string | undefined; ingestRole?: string | undefined },
  vector: boolean,
  quote: (id: string) => string,
): string[] {
  const out: string[] = [];
  if (roles.searchRole !== undefined) {
    const r = quote(roles.searchRole);
    out.push(
      `GRANT USAGE ON SCHEMA public TO ${r}`,
      `GRANT SELECT ON kb_spaces, kb_documents, kb_chunks TO ${r}`,
      `GRANT INSERT ON kb_feedback TO ${r}`,
      `GRANT SELECT (id, created_at) ON kb_feedback TO ${r}`,
      `GRANT USAGE ON SEQUENCE kb_feedback_id_seq TO ${r}`,
    );
    if (vector) out.push(`GRANT SELECT ON kb_chunk_embeddings TO ${r}`);
  }
  if (roles.ingestRole !== undefined) {
    const r = quote(roles.ingestRole);
    out.push(
      `GRANT USAGE ON SCHEMA public TO ${r}`,
      `GRANT SELECT, INSERT, UPDATE ON kb_spaces, kb_documents, kb_sync_state TO ${r}`,
      `GRANT SELECT, INSERT, DELETE ON kb_chunks TO ${r}`,
      `GRANT USAGE ON SEQUENCE kb_chunks_id_seq TO ${r}`,
      `GRANT EXECUTE ON FUNCTION ${WRITE_DOCUMENT_SIGNATURE} TO ${r}`,
    );
    if (vector) out.push(`GRANT INSERT ON kb_chunk_embeddings TO ${r}`);
  }
  return out;
}

export interface MigrateResult {
  applied: string[];
  /** Whether hybrid (vector) search is available in this database after migrating. */
  vector: boolean;
}

// An arbitrary constant: all replicas serialise their migrations on it.
const LOCK_KEY = 7_305_114_215;

/** Whether the `vector` extension can be used (installed, or available to install). */
export async function vectorAvailable(client: pg.ClientBase | pg.Pool): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS ok`,
  );
  return rows[0]?.ok === true;
}

/** Whether the index has the embeddings table, and its dimensions. */
export async function embeddingColumnDimensions(
  client: pg.ClientBase | pg.Pool,
): Promise<number | undefined> {
  const { rows } = await client.query<{ dims: number }>(
    `SELECT a.atttypmod AS dims FROM pg_attribute a
      WHERE a.attrelid = to_regclass('kb_chunk_embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped`,
  );
  return rows[0]?.dims;
}

/** The index's versioned migrations (the kit's runner; bookkeeping in `knowledge_migrations`). */
export const INDEX_MIGRATIONS: MigrationSet = {
  name: 'knowledge index',
  dir: MIGRATIONS_DIR,
  table: 'knowledge_migrations',
};

/**
 * Indexes migrated before the one migration runner recorded their files in kb_schema_migrations:
 * carry those names over to the runner's table once, so nothing runs twice.
 */
async function adoptEarlierMigrations(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ earlier: boolean; current: boolean }>(
    `SELECT to_regclass('kb_schema_migrations') IS NOT NULL AS earlier, to_regclass('knowledge_migrations') IS NOT NULL AS current`,
  );
  if (!rows[0]?.earlier || rows[0].current) return;
  await client.query('BEGIN');
  try {
    await client.query(
      'CREATE TABLE knowledge_migrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)',
    );
    await client.query(
      `INSERT INTO knowledge_migrations (name, run_on)
       SELECT regexp_replace(name, '\\.sql$', ''), applied_at FROM kb_schema_migrations
        WHERE name ~ '^\\d{3}_.*\\.sql$' ORDER BY name`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/**
 * Applies the index's pending migrations (the kit's runner), then what depends on configuration: the
 * embeddings table for EMBEDDING_DIMENSIONS when pgvector is available, and the roles' GRANTs. Safe
 * from several replicas at once (advisory locks). Run it as the role that owns the index tables,
 * never as the search role.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const client = createPgClient({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await adoptEarlierMigrations(client);
    const applied = await runMigrations(databaseUrl, INDEX_MIGRATIONS, { log: () => {} });
    for (const name of applied) log(`applied migration ${name}`);
    const dims = options.embeddingDimensions;
    let vector = false;
    if (dims !== undefined) {
      if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) {
        throw new IndexSchemaError(`EMBEDDING_DIMENSIONS must be an integer 1-16000, got ${dims}`);
      }
      const existing = await embeddingColumnDimensions(client);
      if (existing !== undefined && existing !== dims) {
        throw new IndexSchemaError(
          `The index stores ${existing}-dimensional embeddings but EMBEDDING_DIMENSIONS=${dims}; ` +
            'set EMBEDDING_DIMENSIONS back, or drop the kb_chunk_embeddings table and re-ingest',
        );
      }
      vector = existing !== undefined || (await vectorAvailable(client));
      if (existing === undefined && vector) {
        const template = await readFile(join(SQL_DIR, 'vector.sql'), 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(template.replaceAll('{{dimensions}}', String(dims)));
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(`vector_${dims}`);
        log(`created the ${dims}-dimensional embeddings table`);
      } else if (!vector) {
        log('the vector extension is not available in this database: search runs in text mode');
      }
    }
    const hasVectorTable = (await embeddingColumnDimensions(client)) !== undefined;
    const grants = grantStatements(options, hasVectorTable, (id) => client.escapeIdentifier(id));
    for (const statement of grants) await client.query(statement);
    if (grants.length > 0)
      log(`granted the search/ingestion roles their privileges (${grants.length} statements)`);
    return { applied, vector };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
