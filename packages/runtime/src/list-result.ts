/**
 * The one shape and rendering of a paged list result, shared by every domain server's list tools:
 * `{ items, hasMore, nextCursor?, dataFlags }`, the text rendering one line per record inside an
 * untrusted block, and the "more available" line. Tools that declare `paging` on their definition
 * (items: 'items', hasMoreField: 'hasMore') let the result-size guard trim such a page resumably.
 */
import { z } from 'zod';
import { dataFlagsSchema, flagBackendData, wrapUntrusted } from './untrusted.ts';

/** The output schema of a page of `item`s. */
export function pageOutput<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    hasMore: z.boolean().describe('True when more records match than returned'),
    nextCursor: z.string().optional().describe('Pass back as `cursor` (same filters) to get the next page'),
    dataFlags: dataFlagsSchema,
  });
}

/** A backend page as a tool result: `hasMore` and `nextCursor` only when more exist, with `dataFlags`. */
export function pageResult<T>(page: { items: T[]; nextCursor: string | undefined }) {
  return flagBackendData(
    page.nextCursor === undefined
      ? { items: page.items, hasMore: false }
      : { items: page.items, hasMore: true, nextCursor: page.nextCursor },
  );
}

/** The "more available" line every list rendering ends with ('' when the page is the last). */
function moreLine(result: { hasMore: boolean }): string {
  return result.hasMore ? '\nMore records match: call again with `cursor` set to nextCursor.' : '';
}

/** Renderings of one server's records: `label` names the untrusted block (e.g. `crm-records`). */
export interface RecordRendering {
  /** Record data inside a delimited untrusted block. */
  recordsText(text: string): string;
  /** One line per record inside the untrusted block (or `empty`), then the "more available" line. */
  listText<T>(out: { items: T[]; hasMore: boolean }, empty: string, line: (item: T) => string): string;
}

export function recordRendering(label: string): RecordRendering {
  const recordsText = (text: string) => wrapUntrusted(text, label);
  return {
    recordsText,
    listText: (out, empty, line) =>
      (out.items.length === 0 ? empty : recordsText(out.items.map(line).join('\n'))) + moreLine(out),
  };
}
