import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Integrity for the opaque cursors tools hand out (keyset positions, offsets, filters): an HMAC over
 * the whole cursor, so an edited position (a changed sort value) is refused before it reaches a
 * query builder. The key is set once at start-up from REQUEST_STATE_SECRET (the same on every
 * replica, so any replica accepts any replica's cursor); until then a per-process random key is used.
 */
let key: Buffer = randomBytes(32);

export function setCursorKey(secret: string): void {
  key = createHmac('sha256', secret).update('mcp-platform cursor key v1').digest();
}

function mac(body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url').slice(0, 22);
}

/** `base64url(JSON).mac`: what a tool returns as `nextCursor`. */
export function sealCursor(payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(body)}`;
}

/** The payload of a cursor this server sealed, or undefined when it is malformed or was edited. */
export function openCursor(cursor: string): unknown {
  const dot = cursor.lastIndexOf('.');
  if (dot <= 0 || cursor.length > 4096) return undefined;
  const body = cursor.slice(0, dot);
  const given = Buffer.from(cursor.slice(dot + 1));
  const expected = Buffer.from(mac(body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
