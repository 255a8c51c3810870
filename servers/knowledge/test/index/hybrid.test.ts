import { type EmbeddedPostgres, startEmbeddedPostgres } from '@mcp-platform/server-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/index/migrate.ts';
import { reciprocalRankFusion, search, textSearch } from '../../src/index/search.ts';
import { type KnowledgeBase, openKnowledgeBase } from '../../src/knowledge-base.ts';
import { startFakeEmbeddings } from '../fake-embeddings.ts';
import { markdownDoc } from '../support.ts';

const DIMS = 64;

describe('hybrid search on PGlite with pgvector', () => {
  let pglite: EmbeddedPostgres;
  let embeddings: Awaited<ReturnType<typeof startFakeEmbeddings>>;
  let kb: KnowledgeBase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [pglite, embeddings] = await Promise.all([
      startEmbeddedPostgres({ dataDir: 'memory://', vector: true }),
      startFakeEmbeddings(DIMS),
    ]);
    const result = await migrate(pglite.url, { embeddingDimensions: DIMS });
    expect(result.vector).toBe(true);
    kb = await openKnowledgeBase({
      databaseUrl: pglite.url,
      embedding: { url: embeddings.url, dimensions: DIMS, timeoutMs: 5000 },
    });
    const docs = [
      markdownDoc(
        'checkout-latency.md',
        '# Checkout API latency runbook\n\n## Mitigation\n\nScale out the checkout pods when p99 latency is high.',
      ),
      markdownDoc('leave.md', '# Paid time off\n\nEmployees receive 28 days of leave per year.', {
        space: { key: 'HR' },
      }),
      markdownDoc('vpn.md', '# VPN client rollout\n\nInstall the new client by Friday.', {
        space: { key: 'IT' },
      }),
      markdownDoc('disk.md', '# Disk space runbook\n\nExpand the volume when usage is above 85 percent.'),
    ];
    for (const doc of docs) {
      const outcome = await kb.indexer.ingest(doc);
      expect(outcome.status).toBe('added');
      ids[doc.sourceKey] = outcome.documentId!;
    }
  }, 120_000);
  afterAll(async () => {
    await kb?.close();
    await embeddings?.close();
    await pglite?.close();
  });

  it('embeds every chunk on ingestion', async () => {
    expect(kb.vector).toBe(true);
    const { rows } = await kb.pool.query(
      'SELECT (SELECT count(*) FROM kb_chunks)::int AS chunks, (SELECT count(*) FROM kb_chunk_embeddings)::int AS embeddings',
    );
    expect(rows[0]).toEqual({ chunks: 4, embeddings: 4 });
  });

  // The fake embedding service places 'sluggish purchase' near 'checkout latency' through a synonym
  // table written for this query: this checks the hybrid plumbing (vector hits reach the answer when
  // full text has none), not the quality of any real model's retrieval.
  it('returns vector hits where full text has none (synonyms planted in the fake embeddings), and says it ran hybrid', async () => {
    const request = { query: 'sluggish purchase', filters: {}, offset: 0, limit: 3 };
    expect((await textSearch(kb.pool, request)).hits).toHaveLength(0);
    const page = await search(kb, request);
    expect(page.mode).toBe('hybrid');
    expect(page.hits[0]!.documentId).toBe(ids['checkout-latency.md']);
  });

  it('fuses both rankings: a document matching words and meaning comes first', async () => {
    const page = await search(kb, { query: 'days of leave', filters: {}, offset: 0, limit: 4 });
    expect(page.hits[0]!.documentId).toBe(ids['leave.md']);
    expect(page.hits[0]!.score).toBeCloseTo(2 / 61, 6);
  });

  it('applies filters to the vector side too', async () => {
    const page = await search(kb, {
      query: 'sluggish purchase',
      filters: { spaces: ['HR'] },
      offset: 0,
      limit: 5,
    });
    // Non-empty, and exactly the HR document: the vector side on its own ranks the checkout runbook
    // (another space) first, so a filter missing there would show up here.
    const unfiltered = await search(kb, { query: 'sluggish purchase', filters: {}, offset: 0, limit: 5 });
    expect(unfiltered.hits[0]!.documentId).toBe(ids['checkout-latency.md']);
    expect(page.hits.map((h) => h.documentId)).toEqual([ids['leave.md']]);
    expect(page.hits.map((h) => h.spaceKey)).toEqual(['HR']);
  });

  it('replaces embeddings with the chunks, and writes nothing when embedding fails', async () => {
    const updated = await kb.indexer.ingest(
      markdownDoc('disk.md', '# Disk space runbook\n\n## One\n\nExpand.\n\n## Two\n\nClean logs.'),
    );
    expect(updated.status).toBe('updated');
    const { rows } = await kb.pool.query(
      'SELECT count(*)::int AS n FROM kb_chunk_embeddings e JOIN kb_chunks c ON c.id = e.chunk_id WHERE c.document_id = $1',
      [updated.documentId],
    );
    expect(rows[0].n).toBe(2);
    const failed = await kb.indexer.ingest(markdownDoc('disk.md', '# Disk space runbook\n\nFAIL-EMBED'));
    expect(failed).toMatchObject({ status: 'failed', reason: { code: 'EMBEDDING_FAILED' } });
    const { rows: still } = await kb.pool.query(
      'SELECT version, chunk_count FROM kb_documents WHERE id = $1',
      [updated.documentId],
    );
    expect(still[0]).toEqual({ version: 2, chunk_count: 2 });
  });

  it('a cancelled search aborts its request to a stuck embedding endpoint', async () => {
    const call = new AbortController();
    const searching = search(
      kb,
      { query: 'HANG-EMBED latency', filters: {}, offset: 0, limit: 3 },
      call.signal,
    );
    const until = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(() => embeddings.hanging === 1, 'the embedding request to arrive');
    call.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(searching).rejects.toBeDefined();
    await until(() => embeddings.hanging === 0, 'the endpoint to see the request closed');
  });

  it('without an embedding provider the same index answers in text mode', async () => {
    const textOnly = await openKnowledgeBase({ databaseUrl: pglite.url });
    try {
      const page = await search(textOnly, { query: 'checkout latency', filters: {}, offset: 0, limit: 3 });
      expect(page.mode).toBe('text');
      expect(page.hits[0]!.documentId).toBe(ids['checkout-latency.md']);
    } finally {
      await textOnly.close();
    }
  });
});

describe('reciprocalRankFusion', () => {
  it('sums 1/(k + rank) over the lists and orders by the sum', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'a'],
      ],
      60,
    );
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[2]!.score).toBeCloseTo(1 / 62, 12);
  });
});
