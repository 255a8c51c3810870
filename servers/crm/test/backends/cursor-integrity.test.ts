import { decodeKeyset as decode, encodeCursor } from '@mcp-platform/server-kit';
import { describe, expect, it } from 'vitest';
import { KEYSET } from '../../src/backends/soql.ts';

const decodeKeyset = (list: string, filters: unknown, cursor: string) =>
  decode(list, filters, cursor, KEYSET);

function edit(cursor: string, change: (payload: Record<string, unknown>) => void): string {
  const [body, mac] = cursor.split('.');
  const raw = body ?? cursor;
  const payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(payload);
  const edited = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return mac === undefined ? edited : `${edited}.${mac}`;
}

describe('keyset cursors: integrity over the whole cursor, position included', () => {
  const filters = { stage: 'Prospecting' };
  const cursor = encodeCursor('opportunities', filters, { v: '2026-01-01', id: '006000000000001AAA' });

  it('round-trips an unedited cursor', () => {
    expect(decodeKeyset('opportunities', filters, cursor)).toEqual({
      v: '2026-01-01',
      id: '006000000000001AAA',
    });
  });

  it('refuses a real cursor whose sort value or id was edited (filters untouched)', () => {
    for (const edited of [
      edit(cursor, (p) => {
        (p.p as Record<string, unknown>).v = "2026-01-01' OR Name != '";
      }),
      edit(cursor, (p) => {
        (p.p as Record<string, unknown>).v = 1e308;
      }),
      edit(cursor, (p) => {
        (p.p as Record<string, unknown>).id = '006000000000002AAA';
      }),
    ]) {
      expect(() => decodeKeyset('opportunities', filters, edited)).toThrow(
        expect.objectContaining({ code: 'INVALID_CURSOR' }),
      );
    }
  });
});
