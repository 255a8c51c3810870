import { createHash } from 'node:crypto';
import { openCursor, sealCursor, ToolError } from '@mcp-platform/protocol';

/**
 * Opaque, tamper-evident pagination cursors. A cursor names the list it belongs to (`scope`) and a
 * fingerprint of the request it was minted for (the filters), and is sealed with the platform's
 * cursor key (HMAC over the whole cursor, same key on every replica). Cursors come back
 * attacker-controlled: an edited, foreign or replayed-with-other-filters cursor is refused with
 * INVALID_CURSOR and a hint, and positions are validated before they reach a query builder.
 */
export type CursorPosition = Record<string, string | number>;

const MAX_CURSOR = 1024;

/** JSON with sorted keys, so `{a, b}` and `{b, a}` fingerprint alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprint(scope: string, request: unknown): string {
  return createHash('sha256')
    .update(`${scope}\n${canonical(request)}`)
    .digest('base64url')
    .slice(0, 16);
}

export function invalidCursor(message = 'The cursor is not one this tool issued'): ToolError {
  return new ToolError('INVALID_CURSOR', message, {
    hint: 'Pass nextCursor from the previous result unchanged, with the same arguments; omit it to start from the first page.',
  });
}

/** A cursor for `position` in the list `scope`, valid only with the same `request` (filters). */
export function encodeCursor(scope: string, request: unknown, position: CursorPosition): string {
  return sealCursor({ s: scope, f: fingerprint(scope, request), p: position });
}

/** The position of a cursor minted by `encodeCursor(scope, request, …)`; undefined when there is none. */
export function decodeCursor(
  scope: string,
  request: unknown,
  cursor: string | undefined,
): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  const parsed = openCursor(cursor) as { s?: unknown; f?: unknown; p?: unknown } | undefined;
  if (typeof parsed !== 'object' || parsed === null || parsed.s !== scope) throw invalidCursor();
  if (typeof parsed.p !== 'object' || parsed.p === null || Array.isArray(parsed.p)) throw invalidCursor();
  if (parsed.f !== fingerprint(scope, request)) {
    throw invalidCursor('The cursor belongs to a different request (other query or filters)');
  }
  for (const value of Object.values(parsed.p)) {
    const ok =
      (typeof value === 'string' && value.length <= 512) ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw invalidCursor();
  }
  return parsed.p as CursorPosition;
}

/** An offset position read back from a cursor: an integer in [0, max]. */
export function cursorOffset(position: CursorPosition, key: string, max: number): number {
  const value = position[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw invalidCursor();
  return value;
}

/** "Continue after the row with sort value `v` and id `id`". */
export interface KeysetPosition {
  v: string | number;
  id: string;
}

export interface KeysetOptions {
  /** What a row id looks like (ids go into queries: validated, then escaped or bound). */
  id: RegExp;
  /** Longest string sort value (default 255). */
  maxValueLength?: number;
}

/** The keyset position of a cursor for `scope` and `request`; undefined when there is no cursor. */
export function decodeKeyset(
  scope: string,
  request: unknown,
  cursor: string | undefined,
  options: KeysetOptions,
): KeysetPosition | undefined {
  const position = decodeCursor(scope, request, cursor);
  if (position === undefined) return undefined;
  const { v, id } = position;
  if (typeof id !== 'string' || !options.id.test(id)) throw invalidCursor();
  if (typeof v === 'string' && v.length > (options.maxValueLength ?? 255)) throw invalidCursor();
  if (v === undefined) throw invalidCursor();
  return { v, id };
}

/** One page of a keyset query fetched with `limit + 1` rows: the page, and the cursor for the next one. */
export function keysetPage<T extends { id: string }>(
  scope: string,
  request: unknown,
  rows: T[],
  limit: number,
  sortValue: (row: T) => string | number | null,
): { items: T[]; nextCursor: string | undefined } {
  if (rows.length <= limit) return { items: rows, nextCursor: undefined };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1]!;
  return { items, nextCursor: encodeCursor(scope, request, { v: sortValue(last) ?? '', id: last.id }) };
}
