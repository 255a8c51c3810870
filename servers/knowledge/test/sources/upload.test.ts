import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KnowledgeStack, startKnowledgeStack } from '../stack.ts';

describeWithPostgres('knowledge upload endpoint', (databaseUrl) => {
  let stack: KnowledgeStack;
  let ingestToken: string;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'upload');
    ingestToken = await stack.token('knowledge:ingest:OPS', 'docs-pipeline');
  });
  afterAll(async () => stack?.close());

  const upload = (body: string | Uint8Array, query: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/ingest/documents?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/markdown', authorization: `Bearer ${ingestToken}`, ...headers },
      body,
    });

  it('refuses callers without a token or without the ingest scope', async () => {
    const anonymous = await fetch(`${stack.url}/ingest/documents?key=a&space=OPS`, {
      method: 'POST',
      headers: { 'content-type': 'text/markdown' },
      body: '# x',
    });
    expect(anonymous.status).toBe(401);
    const reader = await upload('# x\n\ny', 'key=a&space=OPS', {
      authorization: `Bearer ${await stack.token('knowledge:read knowledge:write')}`,
    });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toMatchObject({ error: 'FORBIDDEN', requiredScope: 'knowledge:ingest' });
  });

  it('adds, skips unchanged, and replaces a changed upload; the new text is searchable at once', async () => {
    const first = await upload(
      '# Zanzibar failover drill\n\n## Steps\n\nPromote the replica in zone b.',
      'key=drills/zanzibar&space=OPS&tags=drill,dr&url=https://wiki.example.com/drills/zanzibar',
    );
    expect(first.status).toBe(201);
    const added = (await first.json()) as { documentId: string; version: number; status: string };
    expect(added).toMatchObject({ status: 'added', version: 1 });
    const again = await upload(
      '# Zanzibar failover drill\n\n## Steps\n\nPromote the replica in zone b.',
      'key=drills/zanzibar&space=OPS&tags=drill,dr&url=https://wiki.example.com/drills/zanzibar',
    );
    expect(await again.json()).toMatchObject({ status: 'unchanged', version: 1 });
    const changed = await upload(
      '# Zanzibar failover drill\n\n## Steps\n\nPromote the replica in zone c.',
      'key=drills/zanzibar&space=OPS&tags=drill,dr',
    );
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({
      status: 'updated',
      version: 2,
      documentId: added.documentId,
    });
    const client = await stack.client();
    const hits = (
      (await client.callTool({ name: 'search_documents', arguments: { query: 'zanzibar replica zone' } }))
        .structuredContent as Record<string, any>
    ).hits;
    expect(hits[0].documentId).toBe(added.documentId);
    expect(hits[0].snippet).toContain('**zone** c');
    expect(hits[0].tags).toEqual(['dr', 'drill']);
  });

  it('refuses bad documents with a reason and writes nothing', async () => {
    const cases: Array<[string | Uint8Array, string, Record<string, string>, number, string]> = [
      [new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d]), 'key=bad/pdf&space=OPS', {}, 422, 'BINARY'],
      [new Uint8Array([0x23, 0x20, 0xc3, 0x28]), 'key=bad/utf8&space=OPS', {}, 422, 'INVALID_ENCODING'],
      ['   ', 'key=bad/empty&space=OPS', {}, 422, 'EMPTY'],
      ['# x', 'key=bad/type&space=OPS', { 'content-type': 'application/pdf' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [
        '# x',
        'key=bad/latin&space=OPS',
        { 'content-type': 'text/plain; charset=iso-8859-1' },
        415,
        'INVALID_ENCODING',
      ],
      ['# x', 'key=../../etc&space=OPS', {}, 400, 'INVALID_PARAMETERS'],
      ['x'.repeat(5 * 1024 * 1024 + 10), 'key=bad/huge&space=OPS', {}, 413, 'TOO_LARGE'],
    ];
    for (const [body, query, headers, status, code] of cases) {
      const response = await upload(body, query, headers);
      expect({ query, status: response.status }).toEqual({ query, status });
      expect(((await response.json()) as { error: string }).error).toBe(code);
    }
    const { rows } = await stack.kb.pool.query(
      `SELECT count(*)::int AS n FROM kb_documents WHERE source_key LIKE 'upload:bad/%'`,
    );
    expect(rows[0].n).toBe(0);
  });
});
