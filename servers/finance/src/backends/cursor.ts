import { createHash } from 'node:crypto';
import { openCursor, sealCursor, ToolError } from '@mcp-platform/protocol';

/**
 * Keyset cursors for both backends: "continue after the record with sort value `v` and key `k`",
 * sealed (MAC) and bound to the list and filters they were minted for; edited or foreign cursors are
 * refused before any value reaches a `$filter` or SQL. (To be replaced by the server kit's cursors.)
 */
export interface KeysetPosition {
  v: string;
  k: string;
}

function fingerprint(list: string, filters: unknown): string {
  return createHash('sha256')
    .update(`${list}\n${JSON.stringify(filters)}`)
    .digest('base64url')
    .slice(0, 12);
}

export function invalidCursor(): ToolError {
  return new ToolError('INVALID_CURSOR', 'The cursor is not valid for this request', {
    hint: 'Pass nextCursor from the previous result unchanged, with the same filters; omit it to start from the first page.',
  });
}

export function decodeKeyset(
  list: string,
  filters: unknown,
  cursor: string | undefined,
): KeysetPosition | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length > 600 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  const parsed = openCursor(cursor) as Record<string, unknown> | null;
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { l, f, v, k } = parsed;
  if (l !== list || f !== fingerprint(list, filters)) throw invalidCursor();
  if (typeof v !== 'string' || typeof k !== 'string' || v.length > 255 || !/^[0-9A-Z/]{1,20}$/.test(k))
    throw invalidCursor();
  return { v, k };
}

/** One page of a keyset query fetched with `limit + 1` rows. */
export function keysetPage<T>(
  list: string,
  filters: unknown,
  rows: T[],
  limit: number,
  position: (row: T) => KeysetPosition,
): { items: T[]; nextCursor: string | undefined } {
  if (rows.length <= limit) return { items: rows, nextCursor: undefined };
  const items = rows.slice(0, limit);
  const { v, k } = position(items[items.length - 1]!);
  return { items, nextCursor: sealCursor({ l: list, f: fingerprint(list, filters), v, k }) };
}
