import { describe, expect, it } from 'vitest';
import { escapeLike, SqlParams } from '../src/sql-params.ts';

describe('SQL parameters', () => {
  it('numbers placeholders in order and keeps the values out of the text', () => {
    const p = new SqlParams();
    const text = `a = ${p.add("x' OR 1=1 --")} AND b = ${p.add(2)}`;
    expect(text).toBe('a = $1 AND b = $2');
    expect(p.values).toEqual(["x' OR 1=1 --", 2]);
  });

  it('escapes ILIKE wildcards and the escape character itself', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(escapeLike('plain')).toBe('plain');
  });
});
