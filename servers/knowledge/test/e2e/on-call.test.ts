import { readFileSync } from 'node:fs';
import { type Contract, verifyServer } from '@mcp-platform/runtime';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KnowledgeStack, startKnowledgeStack } from '../stack.ts';

type Structured = Record<string, any>;

describeWithPostgres('knowledge server end to end through an MCP client', (databaseUrl) => {
  let stack: KnowledgeStack;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'e2e');
  });
  afterAll(async () => stack?.close());

  it('serves exactly the committed contract (generated offline) to a caller, per `contracts verify`', async () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../contract.json', import.meta.url), 'utf8'),
    ) as Contract;
    const result = await verifyServer({
      url: `${stack.url}/mcp`,
      pinned: committed,
      token: await stack.token('knowledge:read knowledge:write'),
    });
    expect(result.problems).toEqual([]);
    expect(result.listHash).toBe(committed.catalogHash);
  });

  it('ingested the whole demo corpus on an empty index', () => {
    expect(stack.demo.failed).toBe(0);
    expect(stack.demo.added).toBeGreaterThan(250);
  });

  it('on call: search the runbook, read the section, and cite the right document and section', async () => {
    const client = await stack.client();
    const search = await client.callTool({
      name: 'search_documents',
      arguments: { query: 'payment service latency runbook' },
    });
    expect(search.isError).toBeFalsy();
    const found = search.structuredContent as Structured;
    expect(found.mode).toBe('text');
    const top = found.hits[0];
    expect(top.title).toBe('Payment Service latency runbook');
    expect(top.citation.url).toMatch(
      /^https:\/\/wiki\.example\.com\/ops\/runbooks\/payment-service\/latency/,
    );
    expect(found.dataFlags.untrusted).toBe(true);

    const read = await client.callTool({
      name: 'get_document',
      arguments: { documentId: top.documentId, section: 'Mitigation steps' },
    });
    expect(read.isError).toBeFalsy();
    const doc = read.structuredContent as Structured;
    expect(doc.document.documentId).toBe(top.documentId);
    expect(doc.chunks.length).toBeGreaterThan(0);
    for (const chunk of doc.chunks) {
      expect(chunk.section).toBe('Mitigation steps');
      expect(chunk.citation).toMatchObject({
        documentId: top.documentId,
        title: 'Payment Service latency runbook',
        section: 'Mitigation steps',
        url: 'https://wiki.example.com/ops/runbooks/payment-service/latency#mitigation-steps',
      });
    }
    expect(doc.chunks[0].text).toContain('kubectl -n payment-service scale deploy/payment-service');
    expect(doc.outline.map((o: Structured) => o.anchor)).toContain('escalation');
    const text = (read.content as Array<{ type: string; text: string }>)[0]!.text;
    expect(text).toMatch(/^Document /);
    expect(text).toContain(`<untrusted-document id="${top.documentId}"`);
    expect(text).toContain('section="Mitigation steps"');
  });

  it('pages a long document with a cursor and refuses a cursor from another request', async () => {
    const client = await stack.client();
    const hit = (
      (
        await client.callTool({
          name: 'search_documents',
          arguments: { query: 'contract renewal notice period' },
        })
      ).structuredContent as Structured
    ).hits[0];
    expect(hit.title).toBe('Contract renewal and notice period policy');
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = (
        await client.callTool({
          name: 'get_document',
          arguments: { documentId: hit.documentId, maxChars: 500, ...(cursor ? { cursor } : {}) },
        })
      ).structuredContent as Structured;
      seen.push(...page.chunks.map((c: Structured) => c.ordinal));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 50);
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual(seen.map((_, i) => i));
    const first = (
      await client.callTool({
        name: 'get_document',
        arguments: { documentId: hit.documentId, maxChars: 500 },
      })
    ).structuredContent as Structured;
    const wrong = await client.callTool({
      name: 'get_document',
      arguments: { documentId: hit.documentId, maxChars: 600, cursor: first.nextCursor },
    });
    expect(wrong.isError).toBe(true);
    expect((wrong.structuredContent as Structured).code).toBe('INVALID_CURSOR');
  });

  it('paginates search results with a cursor', async () => {
    const client = await stack.client();
    const args = { query: 'runbook escalation', tags: ['runbook'], limit: 5 };
    const first = (await client.callTool({ name: 'search_documents', arguments: args }))
      .structuredContent as Structured;
    const second = (
      await client.callTool({ name: 'search_documents', arguments: { ...args, cursor: first.nextCursor } })
    ).structuredContent as Structured;
    expect(first.hits.map((h: Structured) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(second.hits.map((h: Structured) => h.rank)).toEqual([6, 7, 8, 9, 10]);
    const ids = new Set(
      [...first.hits, ...second.hits].map((h: Structured) => `${h.documentId}#${h.section}`),
    );
    expect(ids.size).toBe(10);
  });

  it('lists spaces, recently changed policies and related documents', async () => {
    const client = await stack.client();
    const spaces = (await client.callTool({ name: 'list_spaces', arguments: {} }))
      .structuredContent as Structured;
    expect(spaces.spaces.map((s: Structured) => s.key)).toEqual(['HR', 'IT', 'OPS', 'PROC']);
    const recent = (
      await client.callTool({
        name: 'list_recent_documents',
        arguments: {
          spaces: ['IT', 'PROC', 'HR'],
          updatedAfter: '2026-10-01',
          updatedBefore: '2026-11-01T00:00:00Z',
          limit: 100,
        },
      })
    ).structuredContent as Structured;
    expect(recent.documents.length).toBeGreaterThan(0);
    for (const d of recent.documents) {
      expect(['IT', 'PROC', 'HR']).toContain(d.space);
      expect(d.updated >= '2026-10-01' && d.updated < '2026-11-01').toBe(true);
    }
    const sorted = [...recent.documents]
      .map((d: Structured) => d.updated)
      .sort()
      .reverse();
    expect(recent.documents.map((d: Structured) => d.updated)).toEqual(sorted);

    const hit = (
      (
        await client.callTool({
          name: 'search_documents',
          arguments: { query: 'checkout api latency runbook' },
        })
      ).structuredContent as Structured
    ).hits[0];
    const related = (
      await client.callTool({
        name: 'find_related_documents',
        arguments: { documentId: hit.documentId, limit: 8 },
      })
    ).structuredContent as Structured;
    expect(related.related.length).toBeGreaterThan(0);
    expect(related.related.map((r: Structured) => r.documentId)).not.toContain(hit.documentId);
    expect(
      related.related.filter((r: Structured) => r.tags.includes('checkout-api')).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('serves documents as resources and the answer_with_citations prompt', async () => {
    const client = await stack.client();
    const hit = (
      (await client.callTool({ name: 'search_documents', arguments: { query: 'parental leave' } }))
        .structuredContent as Structured
    ).hits[0];
    const resource = await client.readResource({ uri: `kb://documents/${hit.documentId}` });
    const content = resource.contents[0] as { text: string; mimeType: string; _meta: Structured };
    expect(content.mimeType).toBe('text/markdown');
    expect(content.text).toMatch(/^<untrusted-document id="/);
    expect(content.text).toContain('# Parental leave');
    expect(content._meta).toMatchObject({ documentId: hit.documentId, untrusted: true });
    await expect(client.readResource({ uri: 'kb://documents/no-such-document-00000000' })).rejects.toThrow();
    const prompt = await client.getPrompt({
      name: 'answer_with_citations',
      arguments: { question: 'How long is parental leave?' },
    });
    const text = (prompt.messages[0]!.content as { text: string }).text;
    expect(text).toContain('search_documents');
    expect(text).toContain('How long is parental leave?');
  });

  it('records feedback, attributed to the caller and audited', async () => {
    const client = await stack.client();
    const hit = (
      (await client.callTool({ name: 'search_documents', arguments: { query: 'laptop encryption' } }))
        .structuredContent as Structured
    ).hits[0];
    const result = await client.callTool({
      name: 'submit_feedback',
      arguments: {
        documentId: hit.documentId,
        section: hit.section,
        rating: 'outdated',
        query: 'laptop encryption',
        comment: 'FileVault steps changed',
      },
    });
    expect(result.isError).toBeFalsy();
    const feedbackId = (result.structuredContent as Structured).feedbackId;
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT document_id, rating, subject, comment FROM kb_feedback WHERE id = $1',
        [feedbackId],
      );
      expect(rows[0]).toEqual({
        document_id: hit.documentId,
        rating: 'outdated',
        subject: 'oncall-engineer',
        comment: 'FileVault steps changed',
      });
      let audited: Array<{ touched: string[] }> = [];
      for (let i = 0; i < 50 && audited.length === 0; i++) {
        audited = (
          await db.query(
            `SELECT touched FROM audit_log WHERE name = 'submit_feedback' AND subject = 'oncall-engineer' AND event = 'call'`,
          )
        ).rows;
        if (audited.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(audited[0]?.touched).toEqual([`knowledge:feedback/${feedbackId}`]);
    } finally {
      await db.end();
    }
    const readOnly = await stack.client('knowledge:read');
    const tools = (await readOnly.listTools()).tools.map((t) => t.name);
    expect(tools).not.toContain('submit_feedback');
    expect(tools).toEqual(
      expect.arrayContaining([
        'search_documents',
        'get_document',
        'find_related_documents',
        'list_spaces',
        'list_recent_documents',
      ]),
    );
  });
});
