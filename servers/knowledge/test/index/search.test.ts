import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textSearch } from '../../src/index/search.ts';
import type { KnowledgeBase } from '../../src/knowledge-base.ts';
import { freshIndex, markdownDoc } from '../support.ts';

describeWithPostgres('knowledge full-text search', (databaseUrl) => {
  let kb: KnowledgeBase;
  let close: () => Promise<void>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ kb, close } = await freshIndex(databaseUrl, 'search'));
    const docs = [
      markdownDoc('title-match.md', '# Certificate rotation guide\n\nRenew before expiry.', {
        tags: ['tls'],
      }),
      markdownDoc(
        'body-match.md',
        '# Weekly operations notes\n\nWe discussed certificate rotation for the proxy.',
        { tags: ['notes'] },
      ),
      markdownDoc(
        'section-match.md',
        '# Proxy handbook\n\nIntro.\n\n## Certificate rotation\n\nSee the guide.',
        { tags: ['tls', 'proxy'] },
      ),
      markdownDoc('hr.md', '# Leave policy\n\nCertificate rotation is not an HR topic.', {
        space: { key: 'HR', name: 'HR handbook' },
        updatedAt: new Date('2020-01-01T00:00:00Z'),
      }),
      ...Array.from({ length: 12 }, (_, i) =>
        markdownDoc(`filler-${i}.md`, `# Filler ${i}\n\nDeployment checklist item ${i}.`),
      ),
    ];
    for (const doc of docs) {
      const outcome = await kb.indexer.ingest(doc);
      expect(outcome.status).toBe('added');
      ids[doc.sourceKey] = outcome.documentId!;
    }
  });
  afterAll(async () => close?.());

  const run = (query: string, filters = {}, offset = 0, limit = 10) =>
    textSearch(kb.pool, { query, filters, offset, limit });

  it('ranks a title match above a section match above a body match', async () => {
    const page = await run('certificate rotation');
    expect(page.mode).toBe('text');
    const order = page.hits.map((h) => h.documentId);
    expect(order.indexOf(ids['title-match.md']!)).toBe(0);
    expect(order.indexOf(ids['section-match.md']!)).toBeLessThan(order.indexOf(ids['body-match.md']!));
    expect(page.hits[0]!.score).toBeGreaterThan(page.hits.at(-1)!.score);
  });

  it('returns snippets with the matched words marked and the section and anchor of the chunk', async () => {
    const hit = (await run('rotation proxy')).hits.find((h) => h.documentId === ids['section-match.md']);
    expect(hit).toMatchObject({
      section: 'Certificate rotation',
      anchor: 'certificate-rotation',
      title: 'Proxy handbook',
    });
    const body = (await run('"discussed certificate"')).hits[0]!;
    expect(body.documentId).toBe(ids['body-match.md']);
    expect(body.snippet).toContain('**certificate**');
  });

  it('filters by space, by all of the given tags, and by update time', async () => {
    const hr = await run('certificate rotation', { spaces: ['HR'] });
    expect(hr.hits.map((h) => h.documentId)).toEqual([ids['hr.md']]);
    const tagged = await run('certificate rotation', { tags: ['tls', 'proxy'] });
    expect(tagged.hits.map((h) => h.documentId)).toEqual([ids['section-match.md']]);
    const recent = await run('certificate rotation', { updatedAfter: new Date('2021-01-01T00:00:00Z') });
    expect(recent.hits.map((h) => h.documentId)).not.toContain(ids['hr.md']);
    expect(recent.hits).toHaveLength(3);
  });

  it('never raises on arbitrary user input', async () => {
    for (const query of [
      '"unbalanced',
      'a & | ! (',
      "'; DROP TABLE kb_chunks; --",
      '-',
      'or or or',
      '\\',
      '🙂',
      'the and of',
    ]) {
      const page = await run(query);
      expect(Array.isArray(page.hits)).toBe(true);
    }
    const { rows } = await kb.pool.query('SELECT count(*)::int AS n FROM kb_chunks');
    expect(rows[0].n).toBeGreaterThan(10);
  });

  it('supports web-search syntax: exclusion and alternatives', async () => {
    const without = await run('certificate rotation -proxy');
    expect(without.hits.map((h) => h.documentId)).not.toContain(ids['body-match.md']);
    const either = await run('leave or deployment', {}, 0, 20);
    expect(either.hits).toHaveLength(13);
    const both = await run('leave deployment', {}, 0, 20);
    expect(both.hits).toHaveLength(0);
  });

  it('bounds ranking work but still puts a title match first when a word is in hundreds of chunks', async () => {
    const { BODY_CANDIDATES } = await import('../../src/index/search.ts');
    const { ingestAll } = await import('../../src/sources/source.ts');
    const filler = Array.from({ length: BODY_CANDIDATES + 50 }, (_, i) => ({
      kind: 'document' as const,
      doc: markdownDoc(`gizmo-${i}.md`, `# Note ${i}\n\nThe gizmo was mentioned in passing, gizmo gizmo.`, {
        space: { key: 'BULK' },
      }),
    }));
    await ingestAll(kb.indexer, filler, { concurrency: 4 });
    // Ingested last, so a plain "first N body matches" scan would never reach it.
    const guide = await kb.indexer.ingest(
      markdownDoc('gizmo-guide.md', '# Gizmo guide\n\nHow to use it.', { space: { key: 'BULK' } }),
    );
    const page = await run('gizmo', { spaces: ['BULK'] });
    expect(page.hits[0]!.documentId).toBe(guide.documentId);
    expect(page.hits).toHaveLength(10);
    expect(page.hasMore).toBe(true);
  });

  it('pages through results without overlap', async () => {
    const first = await run('deployment checklist', {}, 0, 5);
    const second = await run('deployment checklist', {}, 5, 5);
    const third = await run('deployment checklist', {}, 10, 5);
    expect(first.hasMore).toBe(true);
    expect(third.hasMore).toBe(false);
    const all = [...first.hits, ...second.hits, ...third.hits].map((h) => h.chunkId);
    expect(new Set(all).size).toBe(12);
  });
});
