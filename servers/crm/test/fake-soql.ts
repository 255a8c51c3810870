/**
 * A tiny SOQL interpreter for the fake org: SELECT fields FROM object [WHERE …] [ORDER BY …] [LIMIT n],
 * with AND/OR/NOT, parentheses, = != < <= > >= LIKE IN, string/number/date/datetime/boolean/null
 * literals and relationship paths (Account.Name, Owner.Name). String literals are parsed with
 * Salesforce's escape rules — an unknown escape or a raw control character is MALFORMED_QUERY — so a
 * query the server escaped wrongly fails here just as it would in a real org.
 */

export class MalformedQuery extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedQuery';
  }
}

type Literal =
  | { kind: 'string'; value: string; like: RegExp }
  | { kind: 'number'; value: number }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

type Token =
  | { t: 'ident'; v: string }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' }
  | { t: 'lit'; v: Literal };

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'LIKE',
  'IN',
  'ORDER',
  'BY',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'LIMIT',
  'OFFSET',
]);
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

function regexEscape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function readString(text: string, start: number): { literal: Literal; end: number } {
  let value = '';
  let like = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new MalformedQuery('unterminated string literal');
    const ch = text[i]!;
    if (ch === "'") break;
    if (ch.charCodeAt(0) < 0x20) throw new MalformedQuery(`raw control character in string literal at ${i}`);
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new MalformedQuery('dangling backslash');
      if (next === '%' || next === '_') {
        value += next;
        like += regexEscape(next);
      } else if (next in SIMPLE_ESCAPES) {
        value += SIMPLE_ESCAPES[next];
        like += regexEscape(SIMPLE_ESCAPES[next]!);
      } else {
        throw new MalformedQuery(`Invalid string literal: illegal escape sequence \\${next}`);
      }
      i += 2;
      continue;
    }
    value += ch;
    like += ch === '%' ? '.*' : ch === '_' ? '.' : regexEscape(ch);
    i++;
  }
  return { literal: { kind: 'string', value, like: new RegExp(`^${like}$`, 'is') }, end: i + 1 };
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ') {
      i++;
      continue;
    }
    if (ch.charCodeAt(0) < 0x20) throw new MalformedQuery(`unexpected control character at ${i}`);
    if (ch === "'") {
      const { literal, end } = readString(text, i);
      tokens.push({ t: 'lit', v: literal });
      i = end;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ t: 'punct', v: ch });
      i++;
      continue;
    }
    const op = /^(!=|<=|>=|=|<|>)/.exec(text.slice(i));
    if (op) {
      tokens.push({ t: 'op', v: op[1]! });
      i += op[1]!.length;
      continue;
    }
    const datetime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})/.exec(
      text.slice(i),
    );
    if (datetime) {
      tokens.push({ t: 'lit', v: { kind: 'datetime', value: Date.parse(datetime[0]) } });
      i += datetime[0].length;
      continue;
    }
    const date = /^\d{4}-\d{2}-\d{2}(?![\dT])/.exec(text.slice(i));
    if (date) {
      tokens.push({ t: 'lit', v: { kind: 'date', value: date[0] } });
      i += date[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?(?![\w.])/.exec(text.slice(i));
    if (number) {
      tokens.push({ t: 'lit', v: { kind: 'number', value: Number(number[0]) } });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*/.exec(text.slice(i));
    if (ident) {
      const word = ident[0];
      const upper = word.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE')
        tokens.push({ t: 'lit', v: { kind: 'boolean', value: upper === 'TRUE' } });
      else if (upper === 'NULL') tokens.push({ t: 'lit', v: { kind: 'null' } });
      else tokens.push({ t: 'ident', v: KEYWORDS.has(upper) ? upper : word });
      i += word.length;
      continue;
    }
    throw new MalformedQuery(`unexpected character ${JSON.stringify(ch)} at ${i}`);
  }
  return tokens;
}

export type Condition =
  | { type: 'and' | 'or'; parts: Condition[] }
  | { type: 'not'; part: Condition }
  | { type: 'cmp'; field: string; op: string; value: Literal }
  | { type: 'in'; field: string; values: Literal[] };

export interface ParsedQuery {
  fields: string[];
  object: string;
  where: Condition | undefined;
  orderBy: Array<{ field: string; desc: boolean; nullsLast: boolean }>;
  limit: number | undefined;
  offset: number | undefined;
}

export function parse(text: string): ParsedQuery {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (word: string) => {
    const tok = peek();
    return tok?.t === 'ident' && tok.v === word;
  };
  const expectWord = (word: string) => {
    if (!isWord(word)) throw new MalformedQuery(`expected ${word} at token ${pos}`);
    pos++;
  };
  const ident = (): string => {
    const tok = tokens[pos++];
    if (tok?.t !== 'ident' || KEYWORDS.has(tok.v))
      throw new MalformedQuery(`expected a field name at token ${pos - 1}`);
    return tok.v;
  };
  const literal = (): Literal => {
    const tok = tokens[pos++];
    if (tok?.t !== 'lit') throw new MalformedQuery(`expected a literal at token ${pos - 1}`);
    return tok.v;
  };

  expectWord('SELECT');
  const fields = [ident()];
  while (peek()?.t === 'punct' && peek()?.v === ',') {
    pos++;
    fields.push(ident());
  }
  expectWord('FROM');
  const object = ident();

  const condition = (): Condition => {
    const parts = [andTerm()];
    while (isWord('OR')) {
      pos++;
      parts.push(andTerm());
    }
    return parts.length === 1 ? parts[0]! : { type: 'or', parts };
  };
  const andTerm = (): Condition => {
    const parts = [factor()];
    while (isWord('AND')) {
      pos++;
      parts.push(factor());
    }
    return parts.length === 1 ? parts[0]! : { type: 'and', parts };
  };
  const factor = (): Condition => {
    if (isWord('NOT')) {
      pos++;
      return { type: 'not', part: factor() };
    }
    const tok = peek();
    if (tok?.t === 'punct' && tok.v === '(') {
      pos++;
      const inner = condition();
      const close = tokens[pos++];
      if (close?.t !== 'punct' || close.v !== ')') throw new MalformedQuery('expected )');
      return inner;
    }
    const field = ident();
    if (isWord('LIKE')) {
      pos++;
      const value = literal();
      if (value.kind !== 'string') throw new MalformedQuery('LIKE needs a string');
      return { type: 'cmp', field, op: 'LIKE', value };
    }
    if (isWord('IN')) {
      pos++;
      const open = tokens[pos++];
      if (open?.t !== 'punct' || open.v !== '(') throw new MalformedQuery('expected ( after IN');
      const values = [literal()];
      while (peek()?.t === 'punct' && peek()?.v === ',') {
        pos++;
        values.push(literal());
      }
      const close = tokens[pos++];
      if (close?.t !== 'punct' || close.v !== ')') throw new MalformedQuery('expected ) after IN list');
      return { type: 'in', field, values };
    }
    const op = tokens[pos++];
    if (op?.t !== 'op') throw new MalformedQuery(`expected an operator after ${field}`);
    return { type: 'cmp', field, op: op.v, value: literal() };
  };

  let where: Condition | undefined;
  if (isWord('WHERE')) {
    pos++;
    where = condition();
  }
  const orderBy: ParsedQuery['orderBy'] = [];
  if (isWord('ORDER')) {
    pos++;
    expectWord('BY');
    do {
      if (orderBy.length > 0) pos++;
      const field = ident();
      let desc = false;
      if (isWord('ASC') || isWord('DESC')) desc = (tokens[pos++] as { v: string }).v === 'DESC';
      let nullsLast = desc;
      if (isWord('NULLS')) {
        pos++;
        nullsLast = isWord('LAST');
        if (!isWord('LAST') && !isWord('FIRST')) throw new MalformedQuery('expected FIRST or LAST');
        pos++;
      }
      orderBy.push({ field, desc, nullsLast });
    } while (peek()?.t === 'punct' && peek()?.v === ',');
  }
  let limit: number | undefined;
  if (isWord('LIMIT')) {
    pos++;
    const value = literal();
    if (value.kind !== 'number') throw new MalformedQuery('LIMIT needs a number');
    limit = value.value;
  }
  let offset: number | undefined;
  if (isWord('OFFSET')) {
    pos++;
    const value = literal();
    if (value.kind !== 'number') throw new MalformedQuery('OFFSET needs a number');
    offset = value.value;
  }
  if (pos !== tokens.length) throw new MalformedQuery(`unexpected token at ${pos}`);
  return { fields, object, where, orderBy, limit, offset };
}

type Getter = (record: Record<string, unknown>, field: string) => unknown;

function compare(a: unknown, literal: Literal): number | undefined {
  if (a === null || a === undefined || literal.kind === 'null') return undefined;
  switch (literal.kind) {
    case 'number':
      return Number(a) - literal.value;
    case 'datetime':
      return Date.parse(String(a)) - literal.value;
    case 'date':
    case 'string': {
      const x = String(a);
      return x < literal.value ? -1 : x > literal.value ? 1 : 0;
    }
    case 'boolean':
      return a === literal.value ? 0 : 1;
  }
}

export function matches(cond: Condition | undefined, record: Record<string, unknown>, get: Getter): boolean {
  if (!cond) return true;
  switch (cond.type) {
    case 'and':
      return cond.parts.every((p) => matches(p, record, get));
    case 'or':
      return cond.parts.some((p) => matches(p, record, get));
    case 'not':
      return !matches(cond.part, record, get);
    case 'in': {
      const value = get(record, cond.field);
      return cond.values.some((v) => compare(value, v) === 0);
    }
    case 'cmp': {
      const value = get(record, cond.field);
      if (cond.op === 'LIKE') {
        return (
          cond.value.kind === 'string' &&
          value !== null &&
          value !== undefined &&
          cond.value.like.test(String(value))
        );
      }
      if (cond.value.kind === 'null') {
        const isNull = value === null || value === undefined;
        return cond.op === '=' ? isNull : cond.op === '!=' ? !isNull : false;
      }
      // Text equality is case-insensitive in SOQL.
      const c =
        cond.value.kind === 'string' &&
        (cond.op === '=' || cond.op === '!=') &&
        value !== null &&
        value !== undefined
          ? String(value).toLowerCase() === cond.value.value.toLowerCase()
            ? 0
            : 1
          : compare(value, cond.value);
      if (c === undefined) return cond.op === '!=';
      switch (cond.op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
        default:
          return false;
      }
    }
  }
}

export function sortRecords(
  records: Array<Record<string, unknown>>,
  orderBy: ParsedQuery['orderBy'],
  get: Getter,
): Array<Record<string, unknown>> {
  return [...records].sort((a, b) => {
    for (const { field, desc, nullsLast } of orderBy) {
      const x = get(a, field);
      const y = get(b, field);
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      if (xNull || yNull) {
        if (xNull && yNull) continue;
        return xNull === nullsLast ? 1 : -1;
      }
      let c = 0;
      if (typeof x === 'number' && typeof y === 'number') c = x - y;
      else c = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}
