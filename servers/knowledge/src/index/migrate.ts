import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { SQL_DIR } from '../assets.ts';
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

/**
 * Applies pending migrations from `sql/` in name order, each in its own transaction, under an
 * advisory lock (safe from several replicas at once). Run it as the role that owns the index
 * tables, never as the search role.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS kb_schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM kb_schema_migrations')).rows.map((r) => r.name),
    );
    const files = (await readdir(SQL_DIR)).filter((f) => /^\d{3}_[a-z0-9_-]+\.sql$/.test(f)).sort();
    const pending: Array<{ name: string; sql: string }> = [];
    for (const file of files) {
      if (!done.has(file)) pending.push({ name: file, sql: await readFile(join(SQL_DIR, file), 'utf8') });
    }
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
        pending.push({ name: `vector_${dims}`, sql: template.replaceAll('{{dimensions}}', String(dims)) });
      } else if (!vector) {
        log('the vector extension is not available in this database: search runs in text mode');
      }
    }
    const applied: string[] = [];
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO kb_schema_migrations (name) VALUES ($1)', [migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.name);
      log(`applied migration ${migration.name}`);
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
