import { describe, expect, it } from 'vitest';
import { SAP } from '../../src/model.ts';
import {
  and,
  anyOf,
  cmp,
  contains,
  date,
  dec,
  eq,
  FilterValueError,
  key,
  oneOf,
  or,
  render,
  str,
} from '../../src/odata/filter.ts';
import { type Expr, FilterSyntaxError, parseFilter } from '../fake/odata-filter.ts';

/** Inputs that try to change a filter's meaning, in every form the issue names. */
const HOSTILE = [
  "'",
  "''",
  "O'Brien",
  "' or 1 eq 1",
  "x' or Supplier ne '",
  "') or (1 eq 1",
  '%27 or 1 eq 1',
  '%2527',
  'a) or (b',
  '(((',
  ' eq ',
  'and',
  'or',
  'not',
  "Supplier eq '1'",
  'SupplierName',
  'tolower(SupplierName)',
  '‘ or 1 eq 1’',
  '’ or ’1’ eq ’1',
  'ʼ or 1 eq 1',
  '＇ or 1 eq 1',
  "\\' or 1 eq 1 --",
  "datetime'2020-01-01T00:00:00'",
  '12M or true',
  'ü€漢字 💶',
];

const PROPS = new Set(['Supplier', 'SupplierName', 'PurchaseOrderDate', 'NetAmount', 'Status']);
const parse = (text: string | undefined) => parseFilter(text!, PROPS);
const s = (value: string): Expr => ({ type: 'lit', literal: { kind: 'string', value } });
const prop = (name: string): Expr => ({ type: 'prop', name });

describe('the OData $filter builder', () => {
  it.each(HOSTILE)('keeps %j a string literal inside a contains() term', (text) => {
    const filter = and(
      eq('Supplier', key('17300001', SAP.supplier, 'a supplier')),
      contains('SupplierName', text),
    );
    expect(parse(render(filter))).toEqual({
      type: 'and',
      left: { type: 'cmp', op: 'eq', left: prop('Supplier'), right: s('17300001') },
      right: {
        type: 'call',
        name: 'substringof',
        args: [s(text.toLowerCase()), { type: 'call', name: 'tolower', args: [prop('SupplierName')] }],
      },
    });
  });

  it.each(HOSTILE)('keeps %j one literal in an eq term, whatever surrounds it', (text) => {
    const filter = or(
      eq('SupplierName', str(text)),
      and(eq('Status', str('05')), eq('SupplierName', str(text))),
    );
    const eqName: Expr = { type: 'cmp', op: 'eq', left: prop('SupplierName'), right: s(text) };
    expect(parse(render(filter))).toEqual({
      type: 'or',
      left: eqName,
      right: {
        type: 'and',
        left: { type: 'cmp', op: 'eq', left: prop('Status'), right: s('05') },
        right: eqName,
      },
    });
  });

  it.each(HOSTILE)('refuses %j as an SAP key, a date, a decimal or a status', (text) => {
    expect(() => key(text, SAP.supplier, 'a supplier number')).toThrow(FilterValueError);
    expect(() => key(text, SAP.purchaseOrder, 'a purchase order number')).toThrow(FilterValueError);
    expect(() => date(text)).toThrow(FilterValueError);
    expect(() => dec(text)).toThrow(FilterValueError);
    expect(() => oneOf(text, ['01', '03', '05', '08'])).toThrow(FilterValueError);
  });

  it('refuses property names and operators that are not fixed identifiers', () => {
    expect(() => eq("SupplierName eq 'x' or Supplier", str('1'))).toThrow(FilterValueError);
    expect(() => eq('supplierName', str('1'))).toThrow(FilterValueError);
    expect(() => cmp('Supplier', 'eq 1 or Supplier eq' as never, str('1'))).toThrow(FilterValueError);
    expect(() => contains('Name)', 'x')).toThrow(FilterValueError);
    // A hand-made "literal" is not a literal.
    expect(() => eq('Supplier', { odata: "'1' or 1 eq 1", brand: 'Nope' } as never)).toThrow(
      FilterValueError,
    );
  });

  it('renders dates, decimals and lists as typed literals the parser reads back', () => {
    const filter = and(
      cmp('PurchaseOrderDate', 'ge', date('2026-07-01')),
      cmp('NetAmount', 'gt', dec('25000.50')),
      anyOf('Status', [str('03'), str('05')]),
    );
    expect(render(filter)).toBe(
      "(PurchaseOrderDate ge datetime'2026-07-01T00:00:00') and (NetAmount gt 25000.50M) and ((Status eq '03') or (Status eq '05'))",
    );
    const ast = parse(render(filter));
    expect(ast.type).toBe('and');
    expect(JSON.stringify(ast)).toContain('"kind":"datetime","value":"2026-07-01T00:00:00"');
    expect(JSON.stringify(ast)).toContain('"kind":"decimal","value":"25000.50"');
  });

  it('refuses impossible dates, exponent decimals and control characters', () => {
    expect(() => date('2026-02-30')).toThrow(FilterValueError);
    expect(() => dec('1e6')).toThrow(FilterValueError);
    expect(() => str('a\nb')).toThrow(FilterValueError);
    expect(() => str('x'.repeat(256))).toThrow(FilterValueError);
  });

  it('the fake parser itself rejects what a builder bug would produce (so the tests above can fail)', () => {
    expect(() => parse("SupplierName eq 'O'Brien'")).toThrow(FilterSyntaxError);
    expect(() => parse("Supplier eq '1' or Bogus eq '2'")).toThrow(FilterSyntaxError);
    expect(parse("SupplierName eq '' or 1 eq 1 or ''").type).toBe('or');
  });
});
