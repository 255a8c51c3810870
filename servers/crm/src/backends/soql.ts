/**
 * Strict SOQL building. Every value that reaches a query goes through one of these functions; there
 * is no way to splice raw text into SOQL. jsforce's own escaping handles quotes but not backslashes,
 * so this module owns the escaping rules (Salesforce "Quoted String Escape Sequences").
 */

/** 15- or 18-character Salesforce record id. */
export const SALESFORCE_ID = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
/** Keyset cursors of both backends: positions name a Salesforce-shaped record id. */
export const KEYSET = { id: SALESFORCE_ID } as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Thrown when a value cannot be rendered safely; callers validate first, so this is a programming error. */
export class SoqlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoqlValueError';
  }
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Escapes text for a SOQL string literal (without the surrounding quotes). Backslash first, by construction. */
export function escapeSoqlString(value: string): string {
  // One pass over the characters: a replaced character is never re-examined, so the backslash
  // added for a quote can never be doubled again.
  let out = '';
  for (const ch of value) out += ESCAPES[ch] ?? ch;
  return out;
}

/** Escapes text for the pattern of a LIKE: string escaping plus the `%` and `_` wildcards. */
export function escapeSoqlLike(value: string): string {
  return escapeSoqlString(value).replaceAll('%', '\\%').replaceAll('_', '\\_');
}

/** A quoted SOQL string literal. */
export function quote(value: string): string {
  return `'${escapeSoqlString(value)}'`;
}

/** A quoted `LIKE '%…%'` pattern matching `value` anywhere, wildcards in `value` taken literally. */
export function likeContains(value: string): string {
  return `'%${escapeSoqlLike(value)}%'`;
}

/** A quoted record id; refuses anything that is not a Salesforce id. */
export function idLiteral(id: string): string {
  if (!SALESFORCE_ID.test(id))
    throw new SoqlValueError(`Not a Salesforce id: ${JSON.stringify(id.slice(0, 40))}`);
  return `'${id}'`;
}

/** A SOQL date literal (unquoted `YYYY-MM-DD`); refuses anything else. */
export function dateLiteral(date: string): string {
  if (!ISO_DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new SoqlValueError(`Not an ISO date: ${JSON.stringify(date.slice(0, 40))}`);
  }
  return date;
}

/** A SOQL number literal; refuses non-finite values and never uses exponent notation. */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new SoqlValueError(`Not a finite number: ${String(value)}`);
  // toFixed switches to exponent notation from 1e21; every float that large is an integer.
  return Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(2);
}

/** A quoted picklist value checked against the allowed list fixed in code. */
export function picklistLiteral(value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw new SoqlValueError(`Not an allowed picklist value: ${JSON.stringify(value)}`);
  return quote(value);
}

export interface SoqlQuery {
  /** Field list, fixed in code (never from input). */
  select: readonly string[];
  from: string;
  /** Conditions already rendered with the literal helpers above; joined with AND. */
  where?: readonly string[];
  orderBy?: readonly string[];
  limit?: number;
}

const IDENT = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
const ORDER = /^[A-Za-z][A-Za-z0-9_.]* (ASC|DESC)( NULLS (FIRST|LAST))?$/;

/** Renders a query; identifiers and ordering are checked so that a mistake in code fails loudly. */
export function soql(q: SoqlQuery): string {
  for (const name of [...q.select, q.from]) {
    if (!IDENT.test(name)) throw new SoqlValueError(`Not a SOQL identifier: ${name}`);
  }
  for (const order of q.orderBy ?? []) {
    if (!ORDER.test(order)) throw new SoqlValueError(`Not a SOQL ordering: ${order}`);
  }
  let text = `SELECT ${q.select.join(', ')} FROM ${q.from}`;
  const where = (q.where ?? []).filter((c) => c.length > 0);
  if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
  if (q.orderBy && q.orderBy.length > 0) text += ` ORDER BY ${q.orderBy.join(', ')}`;
  if (q.limit !== undefined) {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 2000)
      throw new SoqlValueError(`Bad LIMIT ${q.limit}`);
    text += ` LIMIT ${q.limit}`;
  }
  return text;
}

/** A SOQL datetime literal (unquoted, UTC, second precision); refuses anything else. */
export function datetimeLiteral(value: string): string {
  const ms = Date.parse(value);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/.test(value) ||
    Number.isNaN(ms)
  ) {
    throw new SoqlValueError(`Not an ISO datetime: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * The keyset condition "after (sortValue, id)" for `ORDER BY <field> ASC, Id ASC` (or both DESC):
 * `(field > v OR (field = v AND Id > 'id'))`. `literal` is the already-rendered value of the sort field.
 */
export function keysetAfter(
  field: string,
  literal: string,
  id: string,
  direction: 'ASC' | 'DESC' = 'ASC',
): string {
  if (!IDENT.test(field)) throw new SoqlValueError(`Not a SOQL identifier: ${field}`);
  const op = direction === 'ASC' ? '>' : '<';
  return `(${field} ${op} ${literal} OR (${field} = ${literal} AND Id ${op} ${idLiteral(id)}))`;
}
