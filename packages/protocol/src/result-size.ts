import type { z } from 'zod';

/**
 * Default cap on one tool result: 32 KiB, about 8k tokens at ~4 bytes per token. Claude Code warns
 * above ~10k tokens of MCP output and cuts at ~25k by default; staying under the warning leaves the
 * model room for several results in one turn, and a host never cuts our answer mid-record.
 */
export const DEFAULT_MAX_RESULT_BYTES = 32 * 1024;

/** Bytes kept free for the trimmed-result note (its cursor is at most a few hundred bytes). */
const NOTE_BYTES = 1024;

/** Never trim a text below this many characters (a cut text must stay useful). */
const MIN_TEXT_CHARS = 200;

/**
 * How the result-size guard resumes a list it had to shorten: the array field holding the page's
 * items, and a cursor that continues right after the last item it kept (the cursor the tool's own
 * next page would take, with the same arguments).
 */
export interface ResultPaging<Args = Record<string, unknown>, Item = unknown> {
  /** The array field of the structured result holding the items (e.g. `items`, `results`). */
  items: string;
  /** A cursor continuing after `lastKept`; passed back as the tool's cursor argument it yields the rest. */
  cursorAfter: (lastKept: Item, args: Args) => string;
  /** Result field the cursor goes in (default `nextCursor`). */
  cursorField?: string;
  /** Boolean result field set to true when trimmed (e.g. `hasMore`), when the result has one. */
  hasMoreField?: string;
}

/** What the guard did to a result, reported in the result's `_meta` and its text. */
export interface Trimmed {
  limitBytes: number;
  originalBytes: number;
  /** Items dropped from the paged list (resumable with the cursor). */
  omittedItems?: number;
  /** Items dropped from lists without paging (not resumable: narrow the request). */
  droppedItems?: number;
  /** Texts shortened, by path. */
  shortenedTexts?: string[];
  cursor?: string;
}

export const TRIMMED_META_KEY = 'io.mcp-platform/trimmed';

export interface FitInput {
  structured: Record<string, unknown>;
  render: (structured: Record<string, unknown>) => string;
  schema: z.ZodType;
  args: Record<string, unknown>;
  paging: ResultPaging<never, never> | undefined;
  maxBytes: number;
}

export interface Fitted {
  structured: Record<string, unknown>;
  text: string;
  trimmed?: Trimmed;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * A host shows the model either the text or the structured content, so the larger of the two is
 * what must fit.
 */
function sizeOf(structured: Record<string, unknown>, text: string): number {
  return Math.max(bytes(JSON.stringify(structured)), bytes(text));
}

function withPage(
  structured: Record<string, unknown>,
  paging: ResultPaging<never, never>,
  args: Record<string, unknown>,
  keep: number,
): Record<string, unknown> {
  const items = structured[paging.items] as unknown[];
  const kept = items.slice(0, keep);
  const out: Record<string, unknown> = {
    ...structured,
    [paging.items]: kept,
    [paging.cursorField ?? 'nextCursor']: paging.cursorAfter(kept.at(-1) as never, args as never),
  };
  if (paging.hasMoreField !== undefined && paging.hasMoreField in structured) out[paging.hasMoreField] = true;
  return out;
}

/** Every string of a value with its path, longest first. */
function stringsByLength(value: unknown, path: string, out: Array<{ path: string; length: number }>): void {
  if (typeof value === 'string') out.push({ path, length: value.length });
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) stringsByLength(v, `${path}[${i}]`, out);
  } else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) stringsByLength(v, path ? `${path}.${k}` : k, out);
}

function setAt(root: unknown, path: string, update: (value: unknown) => unknown): unknown {
  const parts = path.match(/[^.[\]]+/g) ?? [];
  const go = (node: unknown, i: number): unknown => {
    if (i === parts.length) return update(node);
    const key = parts[i]!;
    if (Array.isArray(node)) {
      const copy = [...node];
      copy[Number(key)] = go(node[Number(key)], i + 1);
      return copy;
    }
    const record = node as Record<string, unknown>;
    return { ...record, [key]: go(record[key], i + 1) };
  };
  return go(root, 0);
}

function shorten(text: string, keep: number): string {
  const cut = text.slice(0, keep).toWellFormed();
  return `${cut}… [${text.length - keep} more characters trimmed: the result size limit; ask for less, e.g. one section]`;
}

/** The longest array anywhere in the value (not the paged one), with its path. */
function longestArray(
  value: unknown,
  path: string,
  skip: string,
): { path: string; length: number } | undefined {
  let best: { path: string; length: number } | undefined;
  const visit = (node: unknown, at: string) => {
    if (Array.isArray(node)) {
      if (at !== skip && node.length > 1 && (best === undefined || node.length > best.length))
        best = { path: at, length: node.length };
      for (const [i, v] of node.entries()) visit(v, `${at}[${i}]`);
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) visit(v, at ? `${at}.${k}` : k);
    }
  };
  visit(value, path);
  return best;
}

/**
 * Fits a structured tool result under `maxBytes` instead of letting the host cut it: first the paged
 * list is shortened and a cursor minted for the last kept item (following it yields the rest), then
 * the longest texts are shortened with a marker, then other lists are cut (not resumable: the text
 * says to narrow the request). The result still validates against the tool's output schema; if a
 * trimmed one would not, the untrimmed result is returned and the caller logs it.
 */
export function fitResult(input: FitInput): Fitted {
  const { render, paging, args, maxBytes } = input;
  let structured = input.structured;
  let text = render(structured);
  const originalBytes = sizeOf(structured, text);
  if (originalBytes <= maxBytes) return { structured, text };
  const trimmed: Trimmed = { limitBytes: maxBytes, originalBytes };
  // Room for the note the text ends with (what was trimmed and the cursor).
  const budget = maxBytes - NOTE_BYTES;

  const items = paging ? structured[paging.items] : undefined;
  if (paging && Array.isArray(items) && items.length > 1) {
    // Binary search the most items (at least one) that fit with their cursor.
    let low = 1;
    let high = items.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      const candidate = withPage(structured, paging, args, mid);
      if (sizeOf(candidate, render(candidate)) <= budget) low = mid;
      else high = mid - 1;
    }
    structured = withPage(structured, paging, args, low);
    trimmed.omittedItems = items.length - low;
    trimmed.cursor = structured[paging.cursorField ?? 'nextCursor'] as string;
    text = render(structured);
  }

  for (let round = 0; round < 50 && sizeOf(structured, text) > budget; round++) {
    const strings: Array<{ path: string; length: number }> = [];
    stringsByLength(structured, '', strings);
    strings.sort((a, b) => b.length - a.length);
    const longest = strings[0];
    if (!longest || longest.length <= MIN_TEXT_CHARS) break;
    const excess = sizeOf(structured, text) - budget;
    // Bytes can exceed characters (UTF-8); cut at least the excess, at least a quarter, never below the floor.
    const keep = Math.max(
      MIN_TEXT_CHARS,
      Math.min(longest.length - excess - 200, Math.floor(longest.length * 0.75)),
    );
    structured = setAt(structured, longest.path, (v) => shorten(v as string, keep)) as Record<
      string,
      unknown
    >;
    trimmed.shortenedTexts = [...new Set([...(trimmed.shortenedTexts ?? []), longest.path])];
    text = render(structured);
  }

  for (let round = 0; round < 50 && sizeOf(structured, text) > budget; round++) {
    const array = longestArray(structured, '', paging?.items ?? '');
    if (!array) break;
    const keep = Math.max(1, Math.floor(array.length / 2));
    structured = setAt(structured, array.path, (v) => (v as unknown[]).slice(0, keep)) as Record<
      string,
      unknown
    >;
    trimmed.droppedItems = (trimmed.droppedItems ?? 0) + array.length - keep;
    text = render(structured);
  }

  if (!input.schema.safeParse(structured).success)
    return { structured: input.structured, text: render(input.structured) };
  return { structured, text: `${text}\n\n${trimmedNote(trimmed)}`, trimmed };
}

/** The line a trimmed result's text ends with: what was left out and how to get it. */
export function trimmedNote(t: Trimmed): string {
  const parts: string[] = [];
  if (t.omittedItems)
    parts.push(
      `${t.omittedItems} more items available: call again with the same arguments and cursor "${t.cursor}"`,
    );
  if (t.droppedItems) parts.push(`${t.droppedItems} nested items left out: narrow the request to see them`);
  if (t.shortenedTexts?.length) parts.push(`long texts shortened (${t.shortenedTexts.join(', ')})`);
  return `[Result trimmed to fit ${Math.round(t.limitBytes / 1024)} KB: ${parts.join('; ')}.]`;
}
