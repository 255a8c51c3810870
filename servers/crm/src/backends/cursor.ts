import { createHash } from 'node:crypto';
import { openCursor, sealCursor, ToolError } from '@mcp-platform/protocol';
import { SALESFORCE_ID } from './soql.ts';

/**
 * Keyset cursors shared by both backends: "continue after the record with sort value `v` and id
 * `id`", bound to the list and the filters it was minted for. Cursors are attacker-controlled on the
 * way back, so decoding validates every part; the values then go through SOQL escaping or SQL
 * parameters like any other input.
 */
export interface KeysetPosition {
  /** Sort value of the last record returned (string date/name or number). */
  v: string | number;
  id: string;
}

const MAX_CURSOR = 600;

function fingerprint(list: string, filters: unknown): string {
  return createHash('sha256')
    .update(`${list}\n${JSON.stringify(filters)}`)
    .digest('base64url')
    .slice(0, 12);
}

export function encodeKeyset(list: string, filters: unknown, position: KeysetPosition): string {
  return sealCursor({ l: list, f: fingerprint(list, filters), v: position.v, i: position.id });
}

function invalidCursor(): ToolError {
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
  if (cursor.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  // The MAC covers the whole cursor, sort value and id included: an edited position never reaches SOQL/SQL.
  const parsed = openCursor(cursor);
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { l, f, v, i } = parsed as Record<string, unknown>;
  if (l !== list || f !== fingerprint(list, filters)) throw invalidCursor();
  if (typeof i !== 'string' || !SALESFORCE_ID.test(i)) throw invalidCursor();
  if (!((typeof v === 'string' && v.length <= 255) || (typeof v === 'number' && Number.isFinite(v))))
    throw invalidCursor();
  return { v, id: i };
}

/** One page of a keyset query fetched with `limit + 1` rows: the page and the cursor for the next one. */
export function keysetPage<T extends { id: string }>(
  list: string,
  filters: unknown,
  rows: T[],
  limit: number,
  sortValue: (row: T) => string | number | null,
): { items: T[]; nextCursor: string | undefined } {
  if (rows.length <= limit) return { items: rows, nextCursor: undefined };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1]!;
  const v = sortValue(last);
  return { items, nextCursor: encodeKeyset(list, filters, { v: v ?? '', id: last.id }) };
}
