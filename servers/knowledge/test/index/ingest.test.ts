import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../src/index/ingest.ts';
import type { KnowledgeBase } from '../../src/knowledge-base.ts';
import { ingestAll, type SourceItem } from '../../src/sources/source.ts';
import { freshIndex, markdownDoc } from '../support.ts';

async function chunkBodies(kb: KnowledgeBase, documentId: string): Promise<string[]> {
  const { rows } = await kb.pool.query<{ body: string }>(
    'SELECT body FROM kb_chunks WHERE document_id = $1 ORDER BY ordinal',
    [documentId],
  );
  return rows.map((r) => r.body);
}

describeWithPostgres('knowledge ingestion', (databaseUrl) => {
  let kb: KnowledgeBase;
  let close: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    ({ kb, close, url } = await freshIndex(databaseUrl, 'ingest'));
  });
  afterAll(async () => close?.());

  it('skips an unchanged document and replaces the chunks of a changed one, bumping its version', async () => {
    const v1 = '# Runbook\n\n## Step one\n\nRestart the pod.\n\n## Step two\n\nCheck the logs.';
    const first = await kb.indexer.ingest(markdownDoc('rb.md', v1));
    expect(first).toMatchObject({ status: 'added', version: 1, chunks: 2 });
    expect(await kb.indexer.ingest(markdownDoc('rb.md', v1))).toMatchObject({
      status: 'unchanged',
      version: 1,
    });
    const v2 = '# Runbook\n\n## Step one\n\nScale out first.';
    expect(await kb.indexer.ingest(markdownDoc('rb.md', v2))).toMatchObject({
      status: 'updated',
      version: 2,
      chunks: 1,
    });
    expect(await chunkBodies(kb, first.documentId!)).toEqual(['Scale out first.']);
    const { rows } = await kb.pool.query('SELECT version, chunk_count FROM kb_documents WHERE id = $1', [
      first.documentId,
    ]);
    expect(rows[0]).toEqual({ version: 2, chunk_count: 1 });
  });

  it('keeps the previous version whole when writing the new one fails half-way', async () => {
    const good = await kb.indexer.ingest(
      markdownDoc('atomic.md', '# Atomic\n\n## A\n\nfirst\n\n## B\n\nsecond'),
    );
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // A trigger that fails on the second chunk of the new version: the first chunk was already inserted.
      await admin.query(`CREATE FUNCTION explode() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.body LIKE '%EXPLODE%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`);
      await admin.query(
        'CREATE TRIGGER explode BEFORE INSERT ON kb_chunks FOR EACH ROW EXECUTE FUNCTION explode()',
      );
      const failed = await kb.indexer.ingest(
        markdownDoc('atomic.md', '# Atomic changed\n\n## A\n\nnew first\n\n## B\n\nEXPLODE'),
      );
      expect(failed.status).toBe('failed');
      expect(failed.reason?.code).toBe('DATABASE_ERROR');
      expect(await chunkBodies(kb, good.documentId!)).toEqual(['first', 'second']);
      const { rows } = await kb.pool.query('SELECT title, version FROM kb_documents WHERE id = $1', [
        good.documentId,
      ]);
      expect(rows[0]).toEqual({ title: 'Atomic', version: 1 });
      const fresh = await kb.indexer.ingest(markdownDoc('atomic-new.md', '# New\n\nEXPLODE'));
      expect(fresh.status).toBe('failed');
      const { rows: none } = await kb.pool.query(
        `SELECT count(*)::int AS n FROM kb_documents WHERE source_key = 'folder:atomic-new.md'`,
      );
      expect(none[0].n).toBe(0);
    } finally {
      await admin.query('DROP TRIGGER IF EXISTS explode ON kb_chunks');
      await admin.end();
    }
  });

  it('reports bad documents in a batch with reasons and ingests the rest', async () => {
    const items: SourceItem[] = [
      { kind: 'document', doc: markdownDoc('ok-1.md', '# Fine\n\ntext') },
      { kind: 'document', doc: markdownDoc('empty.md', Buffer.alloc(0) as unknown as string) },
      {
        kind: 'document',
        doc: { ...markdownDoc('bin.md', ''), content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]) },
      },
      {
        kind: 'document',
        doc: { ...markdownDoc('latin1.md', ''), content: Buffer.from('# Caf\xe9\n\nna\xefve', 'latin1') },
      },
      { kind: 'document', doc: markdownDoc('huge.md', `# Huge\n\n${'x'.repeat(6 * 1024 * 1024)}`) },
      {
        kind: 'rejected',
        sourceKey: 'folder:image.png',
        code: 'UNSUPPORTED_TYPE',
        message: 'Unsupported file type',
      },
      { kind: 'document', doc: markdownDoc('ok-2.md', '# Also fine\n\ntext') },
    ];
    const summary = summarise(await ingestAll(kb.indexer, items, { concurrency: 3 }));
    expect(summary).toMatchObject({ added: 2, updated: 0, unchanged: 0, failed: 5 });
    expect(Object.fromEntries(summary.failures.map((f) => [f.sourceKey, f.code]))).toEqual({
      'folder:empty.md': 'EMPTY',
      'folder:bin.md': 'BINARY',
      'folder:latin1.md': 'INVALID_ENCODING',
      'folder:huge.md': 'TOO_LARGE',
      'folder:image.png': 'UNSUPPORTED_TYPE',
    });
    const { rows } = await kb.pool.query(
      `SELECT count(*)::int AS n FROM kb_documents WHERE source_key = ANY($1)`,
      [['folder:empty.md', 'folder:bin.md', 'folder:latin1.md', 'folder:huge.md']],
    );
    expect(rows[0].n).toBe(0);
  });

  it('ingests the same new document concurrently exactly once', async () => {
    const doc = markdownDoc('race.md', '# Race\n\nsame content');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => kb.indexer.ingest(doc)));
    expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    const { rows } = await kb.pool.query(
      `SELECT count(*)::int AS n FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id WHERE d.source_key = 'folder:race.md'`,
    );
    expect(rows[0].n).toBe(1);
  });
});

describeWithPostgres('knowledge database roles', (databaseUrl) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const searchRole = `kb_search_${suffix}`;
  const ingestRole = `kb_ingest_${suffix}`;
  let admin: pg.Client;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    const { createTestDatabase } = await import('../support.ts');
    db = await createTestDatabase(databaseUrl, 'roles');
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE ROLE ${searchRole} LOGIN PASSWORD 'pw'`);
    await admin.query(`CREATE ROLE ${ingestRole} LOGIN PASSWORD 'pw'`);
  });
  afterAll(async () => {
    await db?.drop();
    await admin?.query(`DROP ROLE IF EXISTS ${searchRole}`);
    await admin?.query(`DROP ROLE IF EXISTS ${ingestRole}`);
    await admin?.end();
  });

  const as = (role: string) => {
    const u = new URL(db.url);
    u.username = role;
    u.password = 'pw';
    return u.toString();
  };

  describe('with the GRANTs applied by migrate', () => {
    it('lets the ingestion role write and the search role only read and give feedback', async () => {
      const { migrate } = await import('../../src/index/migrate.ts');
      const { openKnowledgeBase } = await import('../../src/knowledge-base.ts');
      const { insertFeedback } = await import('../../src/index/documents.ts');
      await migrate(db.url, { searchRole, ingestRole });
      const kb = await openKnowledgeBase({ databaseUrl: as(searchRole), ingestDatabaseUrl: as(ingestRole) });
      try {
        const v1 = await kb.indexer.ingest(markdownDoc('r.md', '# Roles\n\ncontent one'));
        expect(v1.status).toBe('added');
        expect((await kb.indexer.ingest(markdownDoc('r.md', '# Roles\n\ncontent two'))).status).toBe(
          'updated',
        );
        const { textSearch } = await import('../../src/index/search.ts');
        expect(
          (await textSearch(kb.pool, { query: 'content', filters: {}, offset: 0, limit: 5 })).hits,
        ).toHaveLength(1);
        await insertFeedback(kb.pool, {
          documentId: v1.documentId!,
          rating: 'helpful',
          subject: 'u',
          correlationId: 'c',
        });
        await expect(kb.pool.query(`DELETE FROM kb_chunks`)).rejects.toThrow(/permission denied/);
        await expect(kb.pool.query(`UPDATE kb_documents SET title = 'x'`)).rejects.toThrow(
          /permission denied/,
        );
        await expect(kb.pool.query(`SELECT comment FROM kb_feedback`)).rejects.toThrow(/permission denied/);
        await expect(kb.ingestPool.query(`DELETE FROM kb_documents`)).rejects.toThrow(/permission denied/);
        await expect(kb.ingestPool.query(`SELECT * FROM kb_feedback`)).rejects.toThrow(/permission denied/);
      } finally {
        await kb.close();
      }
    });
  });
});
