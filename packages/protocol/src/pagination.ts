import { RpcCode, RpcError } from './errors.ts';

/**
 * Opaque list cursors. The cursor names the list it belongs to so a tools cursor cannot be replayed
 * against prompts; any cursor we did not mint answers -32602 with a message saying what to do.
 */
export function encodeCursor(list: string, offset: number): string {
  return Buffer.from(`${list}:${offset}`, 'utf8').toString('base64url');
}

export function decodeCursor(list: string, cursor: unknown): number {
  if (cursor === undefined || cursor === null) return 0;
  if (typeof cursor !== 'string' || cursor.length > 128) throw invalidCursor();
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([a-z/]+):(\d{1,9})$/.exec(decoded);
  if (!match || match[1] !== list) throw invalidCursor();
  return Number(match[2]);
}

function invalidCursor(): RpcError {
  return new RpcError(
    RpcCode.InvalidParams,
    'Invalid cursor: pass the nextCursor value from the previous list response unchanged, or omit it to start over',
  );
}

/** One page of `items` starting at `offset`, with the cursor for the next page when more remain. */
export function page<T>(
  list: string,
  items: readonly T[],
  offset: number,
  pageSize: number,
): { items: T[]; nextCursor?: string } {
  const slice = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { items: slice, nextCursor: encodeCursor(list, next) } : { items: slice };
}
