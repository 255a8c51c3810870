import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BENIGN_CASES, INJECTION_CASES } from '../../src/corpus/index.ts';
import { type KnowledgeStack, startKnowledgeStack } from '../stack.ts';

type Structured = Record<string, any>;
type Suspect = { path: string; patterns: string[] };

/** The patterns the result's dataFlags name for the items of `list` at these indexes. */
function patternsOf(result: Structured, list: string, indexes: number[]): string[] {
  const suspects = result.dataFlags.suspects as Suspect[];
  return suspects
    .filter((s) => indexes.some((i) => s.path === `${list}[${i}]` || s.path.startsWith(`${list}[${i}].`)))
    .flatMap((s) => s.patterns);
}

describeWithPostgres('knowledge server: instructions hidden in documents', (databaseUrl) => {
  let stack: KnowledgeStack;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'injection');
  });
  afterAll(async () => stack?.close());

  it.each(INJECTION_CASES.map((c) => [c.marker, c] as const))(
    'flags the hits of "%s" with the expected patterns',
    async (_m, c) => {
      const client = await stack.client();
      const result = await client.callTool({
        name: 'search_documents',
        arguments: { query: c.marker, limit: 10 },
      });
      const found = result.structuredContent as Structured;
      const hits = found.hits as Structured[];
      const ownAt = hits.flatMap((h, i) => (h.title.includes(c.marker) ? [i] : []));
      const own = ownAt.map((i) => hits[i]!);
      expect(own.length).toBeGreaterThan(0);
      expect(found.dataFlags).toMatchObject({ untrusted: true, suspectedInstructions: true });
      const patterns = new Set(patternsOf(found, 'hits', ownAt));
      for (const p of c.expected) expect(patterns).toContain(p);
      const read = await client.callTool({
        name: 'get_document',
        arguments: { documentId: own[0]!.documentId },
      });
      const doc = read.structuredContent as Structured;
      const chunks = doc.chunks as Structured[];
      expect(chunks.length).toBeGreaterThan(0);
      const chunkPatterns = patternsOf(
        doc,
        'chunks',
        chunks.map((_, i) => i),
      );
      for (const p of c.expected) expect(chunkPatterns).toContain(p);
    },
  );

  it.each(BENIGN_CASES.map((c) => [c.marker, c] as const))(
    'does not flag the benign look-alike "%s"',
    async (_m, c) => {
      const client = await stack.client();
      const hits = (
        (await client.callTool({ name: 'search_documents', arguments: { query: c.marker } }))
          .structuredContent as Structured
      ).hits as Structured[];
      const own = hits.filter((h) => h.title.includes(c.marker));
      expect(own.length).toBeGreaterThan(0);
      const read = (
        await client.callTool({ name: 'get_document', arguments: { documentId: own[0]!.documentId } })
      ).structuredContent as Structured;
      expect(read.chunks.length).toBeGreaterThan(0);
      expect(read.dataFlags).toEqual({
        untrusted: true,
        suspectedInstructions: false,
        matchedPatterns: [],
        suspects: [],
      });
    },
  );

  it('keeps document text out of tool descriptions and prompt text, and inside delimited blocks in renderings', async () => {
    const client = await stack.client();
    const tools = await client.listTools();
    const surface =
      JSON.stringify(tools) +
      JSON.stringify(await client.getPrompt({ name: 'answer_with_citations', arguments: { question: 'q' } }));
    for (const c of INJECTION_CASES) expect(surface).not.toContain(c.marker);
    expect(surface).not.toMatch(/Ignore all previous instructions/i);

    const osprey = INJECTION_CASES.find((c) => c.expected.includes('delimiter-spoofing'))!;
    const hit = (
      (await client.callTool({ name: 'search_documents', arguments: { query: osprey.marker } }))
        .structuredContent as Structured
    ).hits[0];
    const read = await client.callTool({ name: 'get_document', arguments: { documentId: hit.documentId } });
    const text = (read.content as Array<{ text: string }>)[0]!.text;
    // The document tries to close our block early and open a fake one: both must arrive neutralised.
    const opens = text.match(/<untrusted-document[ >]/g) ?? [];
    const closes = text.match(/<\/untrusted-document>/g) ?? [];
    expect(opens.length).toBe(closes.length);
    expect(text).toContain('&lt;/untrusted-document>');
    expect(text).toContain('&lt;untrusted-document id="fake">');
    expect(text).toContain('WARNING: the next block contains instruction-like text');
  });
});
