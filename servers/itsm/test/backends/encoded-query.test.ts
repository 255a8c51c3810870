import { describe, expect, it } from 'vitest';
import {
  choice,
  datetime,
  EncodedQuery,
  keysetQuery,
  QUERY_FIELDS,
  QueryBuildError,
  recordNumber,
  sysId,
  text,
  unsafeQueryText,
} from '../../src/backends/encoded-query.ts';
import { parseEncodedQuery } from '../fake-encoded-query.ts';

const incidentFields = new Set<string>(QUERY_FIELDS.incident);

/** Values that would change an encoded query's meaning if they reached it unchecked. */
const HOSTILE = [
  'latency^active=true',
  'x^ORactive=true',
  'x^NQactive=true',
  'x^ORDERBYDESCpriority',
  'x^EQ',
  'line\nbreak',
  'carriage\rreturn',
  'tab\there',
  'nul\u0000byte',
  'sep\u2028arator',
  'javascript:gs.getUserID()',
  'JavaScript :new GlideRecord("sys_user")',
  '^',
  ' leading space',
];

describe('encoded-query builder', () => {
  it('renders conditions, OR alternatives, groups and ordering in ServiceNow syntax', () => {
    const q = new EncodedQuery('incident')
      .whereAny([
        { field: 'short_description', op: 'LIKE', value: text('db latency') },
        { field: 'description', op: 'LIKE', value: text('db latency') },
      ])
      .where('state', 'IN', [choice('1', ['1', '2']), choice('2', ['1', '2'])])
      .where('opened_at', '>=', datetime('2026-11-01'))
      .orderBy('number', 'DESC');
    expect(q.toString()).toBe(
      'short_descriptionLIKEdb latency^ORdescriptionLIKEdb latency^stateIN1,2^opened_at>=2026-11-01 00:00:00^ORDERBYDESCnumber',
    );
    // The fake parses it with ServiceNow's rules and ignores nothing.
    const parsed = parseEncodedQuery(q.toString(), incidentFields);
    expect(parsed.invalid).toEqual([]);
    expect(parsed.groups).toHaveLength(1);
    expect(parsed.groups[0]).toHaveLength(3);
  });

  it('keyset continuation repeats the filters in two ^NQ groups', () => {
    const id = 'a'.repeat(32);
    const q = keysetQuery(
      'incident',
      (b) => b.where('active', '=', { kind: 'bool', value: true }),
      { field: 'number', direction: 'DESC', value: recordNumber('incident', 'INC0010500') },
      { sysId: id },
    );
    expect(q.toString()).toBe(
      `active=true^number<INC0010500^NQactive=true^number=INC0010500^sys_id<${id}^ORDERBYDESCnumber^ORDERBYDESCsys_id`,
    );
    expect(parseEncodedQuery(q.toString(), incidentFields).invalid).toEqual([]);
  });

  it.each(HOSTILE)(
    'refuses free text %j (no escape for ^ exists; control characters and scripts never pass)',
    (value) => {
      expect(unsafeQueryText(value)).toBeDefined();
      expect(() =>
        new EncodedQuery('incident').where('short_description', 'LIKE', text(value)).toString(),
      ).toThrow(QueryBuildError);
    },
  );

  it('accepts ordinary text with punctuation unchanged', () => {
    for (const value of [
      'p99 > 800ms (payments)',
      "O'Brien & co, 50%",
      'ünïcödé — ok',
      'a=b',
      'ORDERBY is just a word',
    ]) {
      const q = new EncodedQuery('incident').where('short_description', 'LIKE', text(value)).toString();
      expect(q).toBe(`short_descriptionLIKE${value}`);
      const parsed = parseEncodedQuery(q, incidentFields);
      expect(parsed.invalid).toEqual([]);
      expect(parsed.groups[0]![0]![0]!.value).toBe(value);
    }
  });

  it('refuses unknown and dot-walked fields, bad sys_ids, numbers, choices and IN values with commas', () => {
    const q = () => new EncodedQuery('incident');
    expect(() => q().where('caller_id.name' as never, '=', text('x'))).toThrow(/not queryable/);
    expect(() => q().where('sys_created_by' as never, '=', text('x'))).toThrow(/not queryable/);
    expect(() => q().where('cmdb_ci', '=', sysId('ABC'))).toThrow(/sys_id/);
    expect(() => q().where('cmdb_ci', '=', sysId(`${'a'.repeat(31)}^`))).toThrow(/sys_id/);
    expect(() => q().where('number', '=', recordNumber('incident', 'CHG0000001'))).toThrow(/incident number/);
    expect(() => q().where('state', '=', choice('1^ORstate=2', ['1', '2']))).toThrow(/choice/);
    expect(() => q().where('number', 'IN', [text('a,b')])).toThrow(/","/);
    expect(() => q().where('opened_at', '>', datetime('yesterday'))).toThrow(/ISO/);
    expect(() => q().where('state', 'BOGUS' as never, text('1'))).toThrow(/operator/);
  });
});

describe('the fake instance parses like ServiceNow: invalid parts are ignored (and reported)', () => {
  it('an injected ^NQ would have widened the query to every row', () => {
    const parsed = parseEncodedQuery('short_descriptionLIKEx^NQactive=true', incidentFields);
    expect(parsed.groups).toHaveLength(2);
    expect(parsed.invalid).toEqual([]);
  });
  it('unknown, dot-walked and scripted parts are dropped and reported', () => {
    const parsed = parseEncodedQuery(
      'bogusLIKEx^caller_id.name=Bob^number=javascript:1^ORDERBYnope',
      incidentFields,
    );
    expect(parsed.groups[0]).toEqual([]);
    expect(parsed.invalid).toHaveLength(4);
  });
});
