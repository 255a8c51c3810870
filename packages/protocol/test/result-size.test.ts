import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ANONYMOUS,
  type CallContext,
  Dispatcher,
  defineTool,
  openCursor,
  sealCursor,
  TRIMMED_META_KEY,
  type Trimmed,
} from '../src/index.ts';

function ctx(): CallContext {
  const log = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
  return {
    log: { ...log, child: () => log } as unknown as CallContext['log'],
    signal: new AbortController().signal,
    progress: () => {},
    caller: ANONYMOUS,
    client: { era: '2026', protocolVersion: '2026-07-28' },
    correlationId: 'req-1',
    touch: () => {},
    clientLog: () => {},
  };
}

const LIMIT = 8 * 1024;
const TICKETS = Array.from({ length: 300 }, (_, i) => ({
  id: `T${String(i).padStart(4, '0')}`,
  summary: `Ticket ${i}: printer on floor ${i % 7} jams when printing double-sided reports`,
}));

/** A keyset list tool: sorted by id, `cursor` continues after the id it carries, pages of up to `limit`. */
const listTickets = defineTool({
  name: 'list_tickets',
  description: 'Lists tickets by id.',
  input: z.object({
    limit: z.number().int().min(1).max(500).default(500),
    cursor: z.string().optional(),
  }),
  output: z.object({
    items: z.array(z.object({ id: z.string(), summary: z.string() })),
    hasMore: z.boolean(),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true },
  handler: async ({ limit, cursor }) => {
    const after = cursor === undefined ? '' : (openCursor(cursor) as { after: string }).after;
    const rest = TICKETS.filter((t) => t.id > after);
    const items = rest.slice(0, limit);
    const more = rest.length > limit;
    return more
      ? { items, hasMore: true, nextCursor: sealCursor({ after: items.at(-1)!.id }) }
      : { items, hasMore: false };
  },
  render: (out) => out.items.map((t) => `${t.id} ${t.summary}`).join('\n'),
  paging: {
    items: 'items',
    hasMoreField: 'hasMore',
    cursorAfter: (last) => sealCursor({ after: (last as { id: string }).id }),
  },
});

const getRunbook = defineTool({
  name: 'get_runbook',
  description: 'One long runbook.',
  input: z.object({}),
  output: z.object({ id: z.string(), text: z.string() }),
  annotations: { readOnlyHint: true },
  handler: async () => ({ id: 'rb-1', text: 'Restart the spooler. '.repeat(4000) }),
});

const small = defineTool({
  name: 'small',
  description: 'Fits easily.',
  input: z.object({}),
  output: z.object({ ok: z.boolean() }),
  handler: async () => ({ ok: true }),
});

function dispatcher() {
  return new Dispatcher(
    { name: 'size', version: '1.0.0', tools: [listTickets, getRunbook, small] },
    {
      maxResultBytes: LIMIT,
    },
  );
}

type Page = {
  content: Array<{ text: string }>;
  structuredContent: { items: Array<{ id: string }>; hasMore: boolean; nextCursor?: string };
  _meta?: Record<string, Trimmed>;
};

describe('result-size guard', () => {
  it('trims a list that would exceed the limit and returns a cursor that yields the rest', async () => {
    const d = dispatcher();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const out = (await d.callTool(
        { name: 'list_tickets', arguments: cursor === undefined ? {} : { cursor } },
        ctx(),
      )) as unknown as Page;
      pages++;
      const structuredBytes = Buffer.byteLength(JSON.stringify(out.structuredContent));
      const textBytes = Buffer.byteLength(out.content[0]!.text);
      expect(Math.max(structuredBytes, textBytes)).toBeLessThanOrEqual(LIMIT);
      // Still what the output schema promises.
      expect(listTickets.output.safeParse(out.structuredContent).success).toBe(true);
      seen.push(...out.structuredContent.items.map((t) => t.id));
      cursor = out.structuredContent.nextCursor;
      if (cursor !== undefined) {
        expect(out.structuredContent.hasMore).toBe(true);
        expect(out._meta?.[TRIMMED_META_KEY]?.omittedItems).toBeGreaterThan(0);
        expect(out.content[0]!.text).toContain('more items available');
        expect(out.content[0]!.text).toContain(cursor);
      }
    } while (cursor !== undefined && pages < 50);
    expect(pages).toBeGreaterThan(1);
    // Every ticket exactly once, in order: nothing lost at a trim boundary, nothing repeated.
    expect(seen).toEqual(TICKETS.map((t) => t.id));
  });

  it('shortens a long text with a marker instead of failing', async () => {
    const out = (await dispatcher().callTool({ name: 'get_runbook', arguments: {} }, ctx())) as unknown as {
      content: Array<{ text: string }>;
      structuredContent: { id: string; text: string };
      isError?: boolean;
      _meta?: Record<string, Trimmed>;
    };
    expect(out.isError).toBeUndefined();
    expect(out.structuredContent.id).toBe('rb-1');
    expect(Buffer.byteLength(JSON.stringify(out.structuredContent))).toBeLessThanOrEqual(LIMIT);
    expect(out.structuredContent.text).toMatch(/more characters trimmed/);
    expect(out.structuredContent.text.startsWith('Restart the spooler.')).toBe(true);
    expect(out._meta?.[TRIMMED_META_KEY]?.shortenedTexts).toEqual(['text']);
  });

  it('leaves a result under the limit untouched', async () => {
    const out = (await dispatcher().callTool({ name: 'small', arguments: {} }, ctx())) as unknown as {
      content: Array<{ text: string }>;
      _meta?: unknown;
    };
    expect(out.content[0]!.text).toBe('{"ok":true}');
    expect(out._meta).toBeUndefined();
  });
});
