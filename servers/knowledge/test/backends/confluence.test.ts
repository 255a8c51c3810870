import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cqlDate, cqlString, syncConfluence } from '../../src/backends/confluence.ts';
import type { ConfluenceSettings } from '../../src/config.ts';
import { getDocument, getOutline, readChunks } from '../../src/index/documents.ts';
import type { KnowledgeBase } from '../../src/knowledge-base.ts';
import { type FakeConfluence, type FakePage, startFakeConfluence } from '../fake-confluence.ts';
import { freshIndex } from '../support.ts';

const CREDENTIALS = { user: 'svc-kb@example.com', token: 'api-token-123' };

function page(id: number, title: string, when: string, extra: Partial<FakePage> = {}): FakePage {
  return {
    id: String(id),
    space: 'OPS',
    title,
    version: 1,
    when,
    labels: ['runbook'],
    storage: `<h1>${title}</h1><p>Overview of ${title.toLowerCase()}.</p><h2>Mitigation</h2><ol><li>Step one for page ${id}</li><li>Step two</li></ol>
      <ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[kubectl rollout restart deploy/svc-${id}]]></ac:plain-text-body></ac:structured-macro>`,
    ...extra,
  };
}

describeWithPostgres('Confluence source against a fake Confluence', (databaseUrl) => {
  let kb: KnowledgeBase;
  let close: () => Promise<void>;
  let confluence: FakeConfluence;
  let settings: ConfluenceSettings;

  beforeAll(async () => {
    ({ kb, close } = await freshIndex(databaseUrl, 'confluence'));
    confluence = await startFakeConfluence(CREDENTIALS);
    settings = {
      baseUrl: confluence.baseUrl,
      user: CREDENTIALS.user,
      token: CREDENTIALS.token,
      spaces: ['OPS'],
      pageSize: 3,
    };
    confluence.pages = Array.from({ length: 7 }, (_, i) =>
      page(1000 + i, `Service ${i} runbook`, new Date(Date.UTC(2026, 5, 1 + i, 10, 0)).toISOString()),
    );
    confluence.pages.push({ ...page(2000, 'HR only', '2026-06-01T00:00:00.000Z'), space: 'HR' });
  });
  afterAll(async () => {
    await confluence?.close();
    await close?.();
  });

  it('reads a whole space the first time, following the pagination links', async () => {
    const [result] = await syncConfluence(kb, settings, { retryDelayMs: 1 });
    expect(result).toMatchObject({
      space: 'OPS',
      mode: 'full',
      summary: { added: 7, updated: 0, unchanged: 0, failed: 0 },
    });
    const listing = confluence.requests.filter((r) => r.path === '/wiki/rest/api/content');
    expect(listing.map((r) => r.query.start)).toEqual(['0', '3', '6']);
    expect(listing[0]!.query).toMatchObject({ spaceKey: 'OPS', type: 'page', limit: '3' });
    expect(listing[0]!.query.expand).toContain('body.storage');
    expect(listing[0]!.query.expand).toContain('version');
  });

  it('converts storage format to text with headings kept, and keeps title, URL, labels and version', async () => {
    const { rows } = await kb.pool.query<{ id: string }>(
      `SELECT id FROM kb_documents WHERE source_key = 'confluence:OPS/1003'`,
    );
    const doc = (await getDocument(kb.pool, rows[0]!.id))!;
    expect(doc).toMatchObject({
      title: 'Service 3 runbook',
      spaceKey: 'OPS',
      spaceName: 'Operations',
      tags: ['runbook'],
      version: 1,
    });
    expect(doc.url).toBe(`${confluence.baseUrl}/spaces/OPS/pages/1003/Service+3+runbook`);
    expect(doc.updatedAt.toISOString()).toBe('2026-06-04T10:00:00.000Z');
    expect((await getOutline(kb.pool, doc.id)).map((o) => o.section)).toEqual([
      'Service 3 runbook',
      'Mitigation',
    ]);
    const { chunks } = await readChunks(kb.pool, doc.id, {
      fromOrdinal: 0,
      anchor: 'mitigation',
      maxChars: 10_000,
    });
    expect(chunks[0]!.body).toContain('- Step one for page 1003');
    expect(chunks[0]!.body).toContain('kubectl rollout restart deploy/svc-1003');
    expect(chunks[0]!.body).not.toContain('bash');
  });

  it('then fetches only pages modified since the last sync, through CQL, and replaces changed ones', async () => {
    confluence.requests.length = 0;
    const changed = confluence.pages.find((p) => p.id === '1002')!;
    Object.assign(changed, {
      version: 2,
      when: '2026-07-01T09:00:00.000Z',
      storage: '<h1>Service 2 runbook</h1><h2>Mitigation</h2><p>Fail over to the secondary region.</p>',
    });
    confluence.pages.push(page(1010, 'Brand new runbook', '2026-07-02T08:30:00.000Z'));
    confluence.throttleNext(1);
    const [result] = await syncConfluence(kb, settings, { retryDelayMs: 1 });
    expect(result!.mode).toBe('incremental');
    expect(result!.summary).toMatchObject({ added: 1, updated: 1, failed: 0 });
    const searches = confluence.requests.filter((r) => r.path === '/wiki/rest/api/content/search');
    expect(searches.length).toBeGreaterThanOrEqual(2);
    // The cursor is the newest change of the previous run (2026-06-07 10:00) minus one day of overlap.
    expect(searches[0]!.query.cql).toBe(
      'space = "OPS" AND type = page AND lastmodified >= "2026-06-06 10:00" ORDER BY lastmodified ASC',
    );
    expect(confluence.requests.filter((r) => r.path === '/wiki/rest/api/content')).toHaveLength(0);
    const { rows } = await kb.pool.query<{ body: string }>(
      `SELECT c.body FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id WHERE d.source_key = 'confluence:OPS/1002' ORDER BY c.ordinal`,
    );
    expect(rows.map((r) => r.body)).toEqual(['Fail over to the secondary region.']);
  });

  it('refuses wrong credentials with a message naming the variables', async () => {
    await expect(
      syncConfluence(kb, { ...settings, token: 'wrong' }, { retryDelayMs: 1 }),
    ).rejects.toMatchObject({
      code: 'CONFLUENCE_AUTH',
      message: expect.stringContaining('CONFLUENCE_TOKEN'),
    });
  });

  it('never follows a pagination link to another origin (the token would leak)', async () => {
    confluence.foreignNextLinks = true;
    try {
      await expect(syncConfluence(kb, settings, { full: true, retryDelayMs: 1 })).rejects.toMatchObject({
        code: 'CONFLUENCE_BAD_LINK',
      });
    } finally {
      confluence.foreignNextLinks = false;
    }
  });

  it('a cancelled sync aborts its request to a stuck Confluence: nothing stays in flight', async () => {
    const fresh = await startFakeConfluence(CREDENTIALS);
    try {
      fresh.hang(/\/rest\/api\/content/);
      const controller = new AbortController();
      const syncing = syncConfluence(
        kb,
        { ...settings, baseUrl: fresh.baseUrl },
        { full: true, signal: controller.signal },
      );
      await fresh.waitForInFlight(1);
      controller.abort(new DOMException('sync cancelled', 'AbortError'));
      await expect(syncing).rejects.toThrow('sync cancelled');
      await fresh.waitForInFlight(0);
    } finally {
      await fresh.close();
    }
  });

  it('quotes CQL strings and formats CQL dates', () => {
    expect(cqlString('O"PS\\')).toBe('"O\\"PS\\\\"');
    expect(cqlDate(new Date('2026-03-04T05:06:07Z'))).toBe('2026-03-04 05:06');
  });
});
