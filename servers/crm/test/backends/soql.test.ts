import { describe, expect, it } from 'vitest';
import {
  dateLiteral,
  datetimeLiteral,
  escapeSoqlLike,
  escapeSoqlString,
  idLiteral,
  keysetAfter,
  likeContains,
  numberLiteral,
  picklistLiteral,
  quote,
  soql,
} from '../../src/backends/soql.ts';
import { parse } from '../fake-soql.ts';

describe('escapeSoqlString', () => {
  it.each([
    ["O'Brien", "O\\'Brien"],
    ['back\\slash', 'back\\\\slash'],
    ['say "hi"', 'say \\"hi\\"'],
    ['line\nbreak\rret\ttab', 'line\\nbreak\\rret\\ttab'],
    ['\b\f', '\\b\\f'],
    ["\\'", "\\\\\\'"],
    ['100% of_it', '100% of_it'],
  ])('%j → %j', (input, expected) => {
    expect(escapeSoqlString(input)).toBe(expected);
  });

  it('escapes the backslash before anything else, so an escaped quote cannot be un-escaped', () => {
    // If quotes were escaped first, `\'` would become `\\'` + `'`... and close the literal.
    const text = quote("\\' OR Name != '");
    expect(text).toBe("'\\\\\\' OR Name != \\''");
    const parsed = parse(`SELECT Id FROM Account WHERE Name = ${text}`);
    expect(parsed.where).toMatchObject({
      type: 'cmp',
      field: 'Name',
      value: { kind: 'string', value: "\\' OR Name != '" },
    });
  });
});

describe('LIKE patterns', () => {
  it('escapes % and _ on top of string escaping', () => {
    expect(escapeSoqlLike("50%_'\\")).toBe("50\\%\\_\\'\\\\");
    expect(likeContains('a_b')).toBe("'%a\\_b%'");
  });

  it('the pattern matches the literal text only', () => {
    const where = parse(`SELECT Id FROM Account WHERE Name LIKE ${likeContains('10%_x')}`).where as {
      value: { like: RegExp };
    };
    expect(where.value.like.test('Deal 10%_x off')).toBe(true);
    expect(where.value.like.test('Deal 10 percent x off')).toBe(false);
    expect(where.value.like.test('Deal 10%Yx off')).toBe(false);
  });
});

describe('literals', () => {
  it('accepts only Salesforce ids', () => {
    expect(idLiteral('001SB0000000000001')).toBe("'001SB0000000000001'");
    expect(idLiteral('001SB0000000001')).toBe("'001SB0000000001'");
    for (const bad of ["001' OR ''='", '001SB00000000000011', '001SB000000000', '001SB00000000000-1', '']) {
      expect(() => idLiteral(bad)).toThrow(/Not a Salesforce id/);
    }
  });

  it('dates, datetimes and numbers are validated and rendered unquoted', () => {
    expect(dateLiteral('2026-02-28')).toBe('2026-02-28');
    expect(() => dateLiteral('2026-02-28 OR Id != null')).toThrow();
    expect(() => dateLiteral('2026-13-45')).toThrow();
    expect(datetimeLiteral('2026-05-01T10:00:00.000+0000')).toBe('2026-05-01T10:00:00Z');
    expect(datetimeLiteral('2026-05-01T12:00:00+02:00')).toBe('2026-05-01T10:00:00Z');
    expect(() => datetimeLiteral('yesterday')).toThrow();
    expect(numberLiteral(1e21)).toBe('1000000000000000000000');
    expect(numberLiteral(12.345)).toBe('12.35');
    expect(() => numberLiteral(Number.NaN)).toThrow();
    expect(() => numberLiteral(Number.POSITIVE_INFINITY)).toThrow();
  });

  it('picklist values must be in the list fixed in code', () => {
    expect(picklistLiteral('High', ['High', 'Low'])).toBe("'High'");
    expect(() => picklistLiteral("High' OR ''='", ['High', 'Low'])).toThrow(/picklist/);
  });
});

describe('soql()', () => {
  it('renders a query and refuses identifiers or orderings that are not plain names', () => {
    expect(
      soql({
        select: ['Id', 'Owner.Name'],
        from: 'Account',
        where: ["Name = 'x'"],
        orderBy: ['Name ASC'],
        limit: 5,
      }),
    ).toBe("SELECT Id, Owner.Name FROM Account WHERE Name = 'x' ORDER BY Name ASC LIMIT 5");
    expect(() => soql({ select: ['Id, (SELECT Id FROM Contacts)'], from: 'Account' })).toThrow();
    expect(() => soql({ select: ['Id'], from: 'Account', orderBy: ['Name; DROP'] })).toThrow();
    expect(() => soql({ select: ['Id'], from: 'Account', limit: 2001 })).toThrow(/LIMIT/);
  });

  it('keysetAfter builds the (value, id) continuation condition in both directions', () => {
    expect(keysetAfter('CloseDate', '2026-01-01', '006SB0000000000001')).toBe(
      "(CloseDate > 2026-01-01 OR (CloseDate = 2026-01-01 AND Id > '006SB0000000000001'))",
    );
    expect(keysetAfter('CreatedDate', '2026-01-01T00:00:00Z', '500SB0000000000001', 'DESC')).toBe(
      "(CreatedDate < 2026-01-01T00:00:00Z OR (CreatedDate = 2026-01-01T00:00:00Z AND Id < '500SB0000000000001'))",
    );
  });
});
