/**
 * ServiceNow's encoded-query rules as the fake instance applies them, written independently of the
 * adapter's builder: `^NQ` separates alternative groups, `^` ANDs conditions, a condition starting
 * with `OR` is OR-ed with the one before it, `ORDERBY`/`ORDERBYDESC` order, `EQ` ends the query. A
 * condition on an unknown or dot-walked field, with an unknown operator, a `javascript:` value or a
 * control character is SILENTLY IGNORED — as the real instance ignores invalid parts (and then
 * returns more rows than asked for). Every ignored part is reported, so a test can prove the adapter
 * never sent one.
 */

export type Row = Record<string, string>;

export interface Condition {
  field: string;
  op: string;
  value: string;
}

export interface ParsedQuery {
  /** OR of groups; each group is an AND of clauses; each clause an OR of conditions. */
  groups: Condition[][][];
  order: Array<{ field: string; desc: boolean }>;
  /** The parts ignored, with why: must stay empty for every query the adapter sends. */
  invalid: string[];
}

// Longest first, so `NOT IN` wins over `IN` and `>=` over `>`.
const OPERATORS = [
  'ISNOTEMPTY',
  'ISEMPTY',
  'NOT IN',
  'NOTLIKE',
  'STARTSWITH',
  'ENDSWITH',
  'BETWEEN',
  'LIKE',
  'IN',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters make a part invalid
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function parseCondition(term: string, fields: ReadonlySet<string>): Condition | string {
  const match = /^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)/.exec(term);
  if (!match) return `no field name in ${JSON.stringify(term)}`;
  const field = match[1]!;
  if (field.includes('.')) return `dot-walked field ${field} (not allowed here)`;
  const rest = term.slice(field.length);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (!fields.has(field)) return `unknown field ${JSON.stringify(field)}`;
  if (op === undefined) return `no operator after ${field} in ${JSON.stringify(term)}`;
  const value = rest.slice(op.length);
  if ((op === 'ISEMPTY' || op === 'ISNOTEMPTY') && value !== '')
    return `${op} with a value in ${JSON.stringify(term)}`;
  if (op !== 'ISEMPTY' && op !== 'ISNOTEMPTY' && value === '')
    return `empty value in ${JSON.stringify(term)}`;
  if (/javascript\s*:/i.test(value)) return `script value in ${JSON.stringify(term)}`;
  if (CONTROL.test(value)) return `control character in ${JSON.stringify(term)}`;
  return { field, op, value };
}

export function parseEncodedQuery(query: string, fields: ReadonlySet<string>): ParsedQuery {
  const parsed: ParsedQuery = { groups: [], order: [], invalid: [] };
  if (query === '') return parsed;
  for (const groupText of query.split('^NQ')) {
    const group: Condition[][] = [];
    const terms = groupText.split('^');
    for (const raw of terms) {
      if (raw === '') {
        parsed.invalid.push('empty condition (a stray "^")');
        continue;
      }
      if (raw === 'EQ') continue;
      const order = /^ORDERBY(DESC)?(.*)$/.exec(raw);
      if (order) {
        if (fields.has(order[2]!)) parsed.order.push({ field: order[2]!, desc: order[1] === 'DESC' });
        else parsed.invalid.push(`ORDERBY on unknown field ${JSON.stringify(order[2])}`);
        continue;
      }
      const isOr =
        raw.startsWith('OR') && group.length > 0 && !fields.has(raw.match(/^[a-z_][a-z0-9_]*/)?.[0] ?? '');
      const condition = parseCondition(isOr ? raw.slice(2) : raw, fields);
      if (typeof condition === 'string') {
        parsed.invalid.push(condition);
        continue;
      }
      if (isOr) group[group.length - 1]!.push(condition);
      else group.push([condition]);
    }
    parsed.groups.push(group);
  }
  return parsed;
}

const numeric = (a: string, b: string) => /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b);

function compare(a: string, b: string): number {
  if (numeric(a, b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function matches(row: Row, c: Condition): boolean {
  const actual = row[c.field] ?? '';
  const lower = actual.toLowerCase();
  const value = c.value.toLowerCase();
  switch (c.op) {
    case '=':
      return lower === value;
    case '!=':
      return lower !== value;
    case '>':
      return compare(actual, c.value) > 0;
    case '>=':
      return compare(actual, c.value) >= 0;
    case '<':
      return compare(actual, c.value) < 0;
    case '<=':
      return compare(actual, c.value) <= 0;
    case 'LIKE':
      return lower.includes(value);
    case 'NOTLIKE':
      return !lower.includes(value);
    case 'STARTSWITH':
      return lower.startsWith(value);
    case 'ENDSWITH':
      return lower.endsWith(value);
    case 'IN':
      return value.split(',').includes(lower);
    case 'NOT IN':
      return !value.split(',').includes(lower);
    case 'ISEMPTY':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    case 'BETWEEN': {
      const [lo, hi] = c.value.split('@');
      return compare(actual, lo ?? '') >= 0 && compare(actual, hi ?? '') <= 0;
    }
    default:
      return false;
  }
}

/** Rows matching the parsed query, in its order (then by sys_id, like a stable database order). */
export function evaluate(rows: readonly Row[], query: ParsedQuery): Row[] {
  const hit = (row: Row) =>
    query.groups.length === 0 ||
    query.groups.some((group) => group.every((clause) => clause.some((c) => matches(row, c))));
  const out = rows.filter(hit);
  return out.sort((a, b) => {
    for (const o of query.order) {
      const diff = compare(a[o.field] ?? '', b[o.field] ?? '');
      if (diff !== 0) return o.desc ? -diff : diff;
    }
    return 0;
  });
}
