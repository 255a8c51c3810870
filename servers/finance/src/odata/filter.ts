/**
 * Strict OData V2 `$filter` building. A filter is a tree of terms rendered here; property names and
 * operators are fixed in code (checked against a pattern so a mistake fails loudly), and every value
 * becomes a literal through one of the typed helpers: strings with `'` doubled, ids checked against
 * SAP's formats first, dates as `datetime'…'`, decimals as `…M`. There is no way to splice text in.
 */
import { DECIMAL } from '../money.ts';

/** A rendered, safe piece of `$filter`. Only this module constructs one. */
export interface FilterTerm {
  readonly odata: string;
  readonly brand: 'FilterTerm';
}

export class FilterValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterValueError';
  }
}

const PROPERTY = /^[A-Z][A-Za-z0-9_]{0,60}(\/[A-Z][A-Za-z0-9_]{0,60})?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
const COMPARISONS: readonly Comparison[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

/** A literal value, already rendered. */
export interface Literal {
  readonly odata: string;
  readonly brand: 'Literal';
}

const term = (odata: string): FilterTerm => ({ odata, brand: 'FilterTerm' });
const literal = (odata: string): Literal => ({ odata, brand: 'Literal' });

function property(name: string): string {
  if (!PROPERTY.test(name)) throw new FilterValueError(`Not an OData property name: ${name}`);
  return name;
}

/** A string literal: `'` doubled (OData V2 ABNF), nothing else special inside quotes. */
export function str(value: string): Literal {
  if (value.length > 255) throw new FilterValueError('String literal longer than 255 characters');
  // Control characters have no business in a filter value and some gateways mangle them.
  if ([...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    throw new FilterValueError('Control characters in a filter value');
  return literal(`'${value.replaceAll("'", "''")}'`);
}

/** A string literal whose value must match `format` (an SAP key format) first. */
export function key(value: string, format: RegExp, what: string): Literal {
  if (!format.test(value)) throw new FilterValueError(`Not ${what}: ${JSON.stringify(value.slice(0, 40))}`);
  return str(value);
}

/** `datetime'YYYY-MM-DDT00:00:00'` for an Edm.DateTime property holding a date. */
export function date(value: string): Literal {
  if (
    !ISO_DATE.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw new FilterValueError(`Not an ISO date: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return literal(`datetime'${value}T00:00:00'`);
}

/** An Edm.Decimal literal (`1234.50M`) from a decimal string. */
export function dec(value: string): Literal {
  if (!DECIMAL.test(value))
    throw new FilterValueError(`Not a decimal: ${JSON.stringify(value.slice(0, 40))}`);
  return literal(`${value}M`);
}

export function bool(value: boolean): Literal {
  return literal(value ? 'true' : 'false');
}

/** A value from an allowed list fixed in code (status codes, enums), as a string literal. */
export function oneOf(value: string, allowed: readonly string[]): Literal {
  if (!allowed.includes(value))
    throw new FilterValueError(`Not an allowed value: ${JSON.stringify(value.slice(0, 40))}`);
  return str(value);
}

export function cmp(name: string, op: Comparison, value: Literal): FilterTerm {
  if (!COMPARISONS.includes(op)) throw new FilterValueError(`Not an OData comparison: ${op}`);
  if (value.brand !== 'Literal') throw new FilterValueError('Values must be built with the literal helpers');
  return term(`${property(name)} ${op} ${value.odata}`);
}

export const eq = (name: string, value: Literal) => cmp(name, 'eq', value);

/** Case-insensitive "contains": the text is lower-cased here, the property by the service (`tolower`). */
export function contains(name: string, text: string): FilterTerm {
  return term(`substringof(${str(text.toLowerCase()).odata},tolower(${property(name)}))`);
}

function join(op: 'and' | 'or', terms: ReadonlyArray<FilterTerm | undefined>): FilterTerm | undefined {
  const present = terms.filter((t): t is FilterTerm => t !== undefined);
  for (const t of present) if (t.brand !== 'FilterTerm') throw new FilterValueError('Not a filter term');
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  // Every operand is parenthesised: precedence never depends on what the operands contain.
  return term(present.map((t) => `(${t.odata})`).join(` ${op} `));
}

export const and = (...terms: ReadonlyArray<FilterTerm | undefined>) => join('and', terms);
export const or = (...terms: ReadonlyArray<FilterTerm | undefined>) => join('or', terms);

/** `name eq v1 or name eq v2 …` for a short list of values (caller bounds the list). */
export function anyOf(name: string, values: readonly Literal[]): FilterTerm | undefined {
  if (values.length > 50) throw new FilterValueError('More than 50 values in one filter');
  return or(...values.map((v) => eq(name, v)));
}

export function render(filter: FilterTerm | undefined): string | undefined {
  return filter?.odata;
}
