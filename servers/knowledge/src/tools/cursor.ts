import { createHash } from 'node:crypto';
import { openCursor, sealCursor, ToolError } from '@mcp-platform/protocol';

/**
 * Opaque pagination cursors: base64url JSON naming the list they belong to and a fingerprint of the
 * request, so a cursor replayed against another tool or another query is refused with a message
 * saying what to do instead of silently returning the wrong page.
 */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

export function encodeCursor(
  kind: string,
  request: unknown,
  position: Record<string, string | number>,
): string {
  return sealCursor({ k: kind, f: fingerprint(request), p: position });
}

export function decodeCursor(
  kind: string,
  request: unknown,
  cursor: string | undefined,
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  // The MAC covers the whole cursor, position included: an edited cursor is refused here.
  const parsed = openCursor(cursor);
  if (parsed === undefined) throw invalid();
  const c = parsed as { k?: unknown; f?: unknown; p?: unknown };
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    c.k !== kind ||
    typeof c.p !== 'object' ||
    c.p === null
  )
    throw invalid();
  if (c.f !== fingerprint(request)) {
    throw new ToolError(
      'INVALID_CURSOR',
      'The cursor belongs to a different request (other query or filters)',
      {
        hint: 'Repeat the call with exactly the same arguments as the call that returned the cursor, or omit the cursor to start over.',
      },
    );
  }
  return c.p as Record<string, unknown>;
}

function invalid(): ToolError {
  return new ToolError('INVALID_CURSOR', 'The cursor is not one this tool issued', {
    hint: 'Pass the nextCursor value from the previous result unchanged, or omit it to start over.',
  });
}

export function nonNegativeInt(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw invalid();
  return value;
}
