/**
 * A real OData V2 `$filter` parser and evaluator for the fake S/4HANA: a tokenizer (string literals
 * with `''`, `datetime'…'`, numbers with type suffixes, identifiers with `/` paths), a precedence
 * parser (or < and < not < comparison < primary) and an evaluator over typed entity records. Unknown
 * properties, functions or trailing text are parse errors, as on a Gateway. Independent of the
 * builder in src/: the tests check what the builder renders against what this parses.
 */
import Big from 'big.js';

export type EdmType = 'string' | 'decimal' | 'date' | 'boolean' | 'int';
export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'datetime'; value: string }
  | { kind: 'decimal'; value: string }
  | { kind: 'int'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export type Expr =
  | { type: 'or' | 'and'; left: Expr; right: Expr }
  | { type: 'not'; expr: Expr }
  | { type: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: Expr; right: Expr }
  | { type: 'call'; name: string; args: Expr[] }
  | { type: 'prop'; name: string }
  | { type: 'lit'; literal: Literal };

export class FilterSyntaxError extends Error {}

type Token =
  | { t: 'punct'; v: '(' | ')' | ',' }
  | { t: 'str'; v: string }
  | { t: 'datetime'; v: string }
  | { t: 'num'; v: string; suffix: string }
  | { t: 'ident'; v: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const readQuoted = (): string => {
    // at the opening quote
    let value = '';
    i++;
    for (;;) {
      if (i >= text.length) throw new FilterSyntaxError('Unterminated string literal');
      const ch = text[i]!;
      if (ch === "'") {
        if (text[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        i++;
        return value;
      }
      value += ch;
      i++;
    }
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ') {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      out.push({ t: 'punct', v: ch });
      i++;
    } else if (ch === "'") {
      out.push({ t: 'str', v: readQuoted() });
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?([MmDdLlFf])?/.exec(text.slice(i));
      if (!m) throw new FilterSyntaxError(`Unexpected "${ch}" at ${i}`);
      out.push({ t: 'num', v: m[0].replace(/[MmDdLlFf]$/, ''), suffix: (m[2] ?? '').toUpperCase() });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))!;
      i += m[0].length;
      if (m[0] === 'datetime' && text[i] === "'") {
        out.push({ t: 'datetime', v: readQuoted() });
      } else {
        out.push({ t: 'ident', v: m[0] });
      }
    } else {
      throw new FilterSyntaxError(`Unexpected "${ch}" at ${i}`);
    }
  }
  return out;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS: Record<string, number> = {
  substringof: 2,
  startswith: 2,
  endswith: 2,
  tolower: 1,
  toupper: 1,
};

/** Parses a `$filter`; `properties` lists the entity's property names (anything else is an error). */
export function parseFilter(text: string, properties: ReadonlySet<string>): Expr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (w: string) => {
    const tok = peek();
    return tok?.t === 'ident' && tok.v === w;
  };
  const expectPunct = (v: string) => {
    const tok = tokens[pos++];
    if (tok?.t !== 'punct' || tok.v !== v) throw new FilterSyntaxError(`Expected "${v}"`);
  };
  const parseOr = (): Expr => {
    let left = parseAnd();
    while (isWord('or')) {
      pos++;
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expr => {
    let left = parseUnary();
    while (isWord('and')) {
      pos++;
      left = { type: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Expr => {
    if (isWord('not')) {
      pos++;
      return { type: 'not', expr: parseUnary() };
    }
    const left = parsePrimary();
    const tok = peek();
    if (tok?.t === 'ident' && COMPARISONS.has(tok.v)) {
      pos++;
      return { type: 'cmp', op: tok.v as 'eq', left, right: parsePrimary() };
    }
    return left;
  };
  const parsePrimary = (): Expr => {
    const tok = tokens[pos++];
    if (!tok) throw new FilterSyntaxError('Unexpected end of $filter');
    if (tok.t === 'punct' && tok.v === '(') {
      const inner = parseOr();
      expectPunct(')');
      return inner;
    }
    if (tok.t === 'str') return { type: 'lit', literal: { kind: 'string', value: tok.v } };
    if (tok.t === 'datetime') {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(tok.v))
        throw new FilterSyntaxError(`Bad datetime '${tok.v}'`);
      return { type: 'lit', literal: { kind: 'datetime', value: tok.v } };
    }
    if (tok.t === 'num') {
      const kind = tok.suffix === 'M' || tok.v.includes('.') ? 'decimal' : 'int';
      return { type: 'lit', literal: { kind, value: tok.v } };
    }
    if (tok.t === 'ident') {
      if (tok.v === 'true' || tok.v === 'false')
        return { type: 'lit', literal: { kind: 'boolean', value: tok.v === 'true' } };
      if (tok.v === 'null') return { type: 'lit', literal: { kind: 'null' } };
      const next = peek();
      if (next?.t === 'punct' && next.v === '(') {
        const arity = FUNCTIONS[tok.v];
        if (arity === undefined) throw new FilterSyntaxError(`Unknown function ${tok.v}`);
        pos++;
        const args: Expr[] = [];
        for (let a = 0; a < arity; a++) {
          if (a > 0) expectPunct(',');
          args.push(parseOr());
        }
        expectPunct(')');
        return { type: 'call', name: tok.v, args };
      }
      if (!properties.has(tok.v)) throw new FilterSyntaxError(`Property ${tok.v} not found`);
      return { type: 'prop', name: tok.v };
    }
    throw new FilterSyntaxError(`Unexpected "${tok.v}"`);
  };
  const expr = parseOr();
  if (pos !== tokens.length)
    throw new FilterSyntaxError(`Unexpected text after the expression at token ${pos}`);
  return expr;
}

type Value = string | boolean | null | Big | { date: string };

function evaluate(expr: Expr, record: Record<string, unknown>, types: Record<string, EdmType>): Value {
  switch (expr.type) {
    case 'or':
      return evaluate(expr.left, record, types) === true || evaluate(expr.right, record, types) === true;
    case 'and':
      return evaluate(expr.left, record, types) === true && evaluate(expr.right, record, types) === true;
    case 'not':
      return evaluate(expr.expr, record, types) !== true;
    case 'prop': {
      const raw = record[expr.name];
      if (raw === null || raw === undefined) return null;
      const type = types[expr.name];
      if (type === 'decimal' || type === 'int') return new Big(String(raw));
      if (type === 'date') return { date: String(raw).slice(0, 10) };
      if (type === 'boolean') return raw === true;
      return String(raw);
    }
    case 'lit': {
      const l = expr.literal;
      if (l.kind === 'decimal' || l.kind === 'int') return new Big(l.value);
      if (l.kind === 'datetime') return { date: l.value.slice(0, 10) };
      if (l.kind === 'null') return null;
      return l.value;
    }
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, record, types));
      const s = (v: Value) => (typeof v === 'string' ? v : '');
      switch (expr.name) {
        case 'tolower':
          return s(args[0]!).toLowerCase();
        case 'toupper':
          return s(args[0]!).toUpperCase();
        case 'substringof':
          return s(args[1]!).includes(s(args[0]!));
        case 'startswith':
          return s(args[0]!).startsWith(s(args[1]!));
        default:
          return s(args[0]!).endsWith(s(args[1]!));
      }
    }
    case 'cmp': {
      const a = evaluate(expr.left, record, types);
      const b = evaluate(expr.right, record, types);
      const c = compare(a, b);
      if (c === undefined) return expr.op === 'ne' ? a !== b : expr.op === 'eq' ? a === b : false;
      return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[expr.op];
    }
  }
}

function compare(a: Value, b: Value): number | undefined {
  if (a === null || b === null) return undefined;
  if (a instanceof Big && b instanceof Big) return a.cmp(b);
  if (typeof a === 'object' && typeof b === 'object' && 'date' in a && 'date' in b)
    return a.date.localeCompare(b.date);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : 1;
  throw new FilterSyntaxError('Incompatible operand types');
}

export function matches(
  expr: Expr,
  record: Record<string, unknown>,
  types: Record<string, EdmType>,
): boolean {
  return evaluate(expr, record, types) === true;
}
