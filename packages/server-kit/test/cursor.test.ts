import { ToolError } from '@mcp-platform/protocol';
import { describe, expect, it } from 'vitest';
import { cursorOffset, decodeCursor, decodeKeyset, encodeCursor, keysetPage } from '../src/index.ts';

const ID = /^[a-zA-Z0-9]{18}$/;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ToolError ? error.code : 'not a ToolError';
  }
}

describe('cursors', () => {
  it('round-trips a position for the same list and filters (in any key order)', () => {
    const cursor = encodeCursor(
      'accounts',
      { name: 'acme', owner: 'x' },
      { v: 'Acme', id: '001SB0000000000001' },
    );
    expect(decodeCursor('accounts', { owner: 'x', name: 'acme' }, cursor)).toEqual({
      v: 'Acme',
      id: '001SB0000000000001',
    });
    expect(decodeCursor('accounts', {}, undefined)).toBeUndefined();
  });

  it('refuses a cursor replayed with other filters, on another list, or edited', () => {
    const cursor = encodeCursor('accounts', { name: 'acme' }, { offset: 20 });
    expect(code(() => decodeCursor('accounts', { name: 'other' }, cursor))).toBe('INVALID_CURSOR');
    expect(code(() => decodeCursor('contacts', { name: 'acme' }, cursor))).toBe('INVALID_CURSOR');
    const [body, mac] = cursor.split('.') as [string, string];
    const edited = Buffer.from(Buffer.from(body, 'base64url').toString().replace('20', '99')).toString(
      'base64url',
    );
    expect(code(() => decodeCursor('accounts', { name: 'acme' }, `${edited}.${mac}`))).toBe('INVALID_CURSOR');
    expect(code(() => decodeCursor('accounts', { name: 'acme' }, 'garbage'))).toBe('INVALID_CURSOR');
    expect(code(() => decodeCursor('accounts', { name: 'acme' }, 'a'.repeat(5000)))).toBe('INVALID_CURSOR');
  });

  it('keyset pages: limit + 1 rows give a cursor that resumes after the last row', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `001SB000000000000${n}`, name: `N${n}` }));
    const page = keysetPage('accounts', { q: 1 }, rows, 2, (r) => r.name);
    expect(page.items).toHaveLength(2);
    expect(decodeKeyset('accounts', { q: 1 }, page.nextCursor, { id: ID })).toEqual({
      v: 'N2',
      id: '001SB0000000000002',
    });
    expect(keysetPage('accounts', { q: 1 }, rows, 3, (r) => r.name).nextCursor).toBeUndefined();
  });

  it('validates keyset ids and offsets before they reach a query', () => {
    const bad = encodeCursor('accounts', {}, { v: 'x', id: "' OR 1=1 --" });
    expect(code(() => decodeKeyset('accounts', {}, bad, { id: ID }))).toBe('INVALID_CURSOR');
    const position = decodeCursor('docs', {}, encodeCursor('docs', {}, { offset: -1 }))!;
    expect(code(() => cursorOffset(position, 'offset', 1000))).toBe('INVALID_CURSOR');
    expect(
      cursorOffset(decodeCursor('docs', {}, encodeCursor('docs', {}, { offset: 40 }))!, 'offset', 1000),
    ).toBe(40);
  });
});
