import { createHash } from 'node:crypto';
import { openCursor, sealCursor, ToolError } from '@mcp-platform/protocol';
import { SYS_ID } from './encoded-query.ts';

/**
 * Keyset cursors for both backends: "continue after the record with sort value `v` and sys_id `id`",
 * bound to the list and the filters it was minted for and sealed (MAC) so an edited cursor is
 * refused. TEMPORARY home: moves onto the server kit's tamper-evident cursors (issue 10) once merged.
 */
export interface KeysetPosition {
  v: string;
  id: string;
}

function fingerprint(list: string, filters: unknown): string {
  return createHash('sha256').update(`${list}\n${JSON.stringify(filters)}`).digest('base64url').slice(0, 12);
}

function invalidCursor(): ToolError {
  return new ToolError('INVALID_CURSOR', 'The cursor is not valid for this request', {
    hint: 'Pass nextCursor from the previous result unchanged, with the same filters; omit it to start from the first page.',
  });
}

export function decodeKeyset(list: string, filters: unknown, cursor: string | undefined): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length > 600) throw invalidCursor();
  const parsed = openCursor(cursor) as Record<string, unknown> | undefined;
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { l, f, v, i } = parsed;
  if (l !== list || f !== fingerprint(list, filters)) throw invalidCursor();
  if (typeof i !== 'string' || !SYS_ID.test(i) || typeof v !== 'string' || v.length > 64) throw invalidCursor();
  return { v, id: i };
}

/** One page fetched with `limit + 1` rows: the page and the cursor for the next one. */
export function keysetPage<T>(
  list: string,
  filters: unknown,
  rows: T[],
  limit: number,
  position: (row: T) => KeysetPosition,
): { items: T[]; nextCursor: string | undefined } {
  if (rows.length <= limit) return { items: rows, nextCursor: undefined };
  const items = rows.slice(0, limit);
  const last = position(items[items.length - 1]!);
  return { items, nextCursor: sealCursor({ l: list, f: fingerprint(list, filters), v: last.v, i: last.id }) };
}
