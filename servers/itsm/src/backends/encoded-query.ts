/**
 * Strict ServiceNow encoded-query (`sysparm_query`) building. ServiceNow silently ignores a query
 * part it cannot parse and then returns every row, and it has no documented escape for `^` inside a
 * value (a `^` always starts a new condition, `^OR`/`^NQ` change the logic, `ORDERBY…` the order). So
 * nothing reaches a query unchecked: tables and fields come from the fixed lists below, operators from
 * a closed set, and every value is checked for its kind — text that could split the query is refused,
 * never escaped. A refusal here is a programming error (tool schemas refuse the same input first,
 * with a message for the caller), so it throws.
 */

/** The fields the adapter may name in a query, per table (never from input; no dot-walking). */
export const QUERY_FIELDS = {
  incident: [
    'sys_id',
    'number',
    'short_description',
    'description',
    'state',
    'active',
    'priority',
    'impact',
    'urgency',
    'assignment_group',
    'cmdb_ci',
    'business_service',
    'opened_at',
    'sys_updated_on',
  ],
  change_request: [
    'sys_id',
    'number',
    'state',
    'cmdb_ci',
    'business_service',
    'assignment_group',
    'start_date',
    'end_date',
    'type',
  ],
  problem: ['sys_id', 'number'],
  cmdb_ci: ['sys_id', 'name', 'sys_class_name'],
  cmdb_rel_ci: ['sys_id', 'parent', 'child'],
  sys_user_group: ['sys_id', 'name'],
  sys_journal_field: ['sys_id', 'element_id', 'element', 'name', 'sys_created_on'],
  task_sla: ['sys_id', 'task'],
  sys_choice: ['name', 'element', 'inactive', 'sequence', 'value'],
} as const;

export type QueryTable = keyof typeof QUERY_FIELDS;
export type QueryField<T extends QueryTable> = (typeof QUERY_FIELDS)[T][number];

export type Operator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'STARTSWITH'
  | 'IN'
  | 'NOT IN'
  | 'ISEMPTY'
  | 'ISNOTEMPTY';

const OPERATORS: ReadonlySet<string> = new Set<Operator>([
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  'LIKE',
  'STARTSWITH',
  'IN',
  'NOT IN',
  'ISEMPTY',
  'ISNOTEMPTY',
]);

/** A 32-character lowercase hex sys_id. */
export const SYS_ID = /^[0-9a-f]{32}$/;
/** Record numbers with the instance's default prefixes. */
export const RECORD_NUMBER = {
  incident: /^INC\d{7}$/,
  change_request: /^CHG\d{7}$/,
  problem: /^PRB\d{7}$/,
} as const;

/** Thrown when a query part cannot be rendered safely: a bug in the adapter, never a user error. */
export class QueryBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryBuildError';
  }
}

// C0/C1 controls, DEL, and the Unicode line/paragraph separators: none may reach a query.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const SCRIPT = /javascript\s*:/i;

/**
 * Why `value` cannot be a query value, or `undefined` when it can. `^` splits conditions and has no
 * escape; control characters (newlines) never belong in a query; `javascript:` values are evaluated
 * server-side by ServiceNow. Tool schemas use the same rule so callers get the message up front.
 */
export function unsafeQueryText(value: string): string | undefined {
  if (value.includes('^')) return 'must not contain "^" (it separates ServiceNow query conditions)';
  if (CONTROL.test(value)) return 'must not contain line breaks or other control characters';
  if (SCRIPT.test(value)) return 'must not contain "javascript:"';
  if (value.trim() !== value || value.length === 0) return 'must not be empty or start/end with spaces';
  return undefined;
}

export function isSafeQueryText(value: string): boolean {
  return unsafeQueryText(value) === undefined;
}

/** A ServiceNow GlideDateTime literal `YYYY-MM-DD HH:MM:SS` (UTC) from an ISO date or datetime. */
export function dateTimeLiteral(value: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(iso);
  if (
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) ||
    Number.isNaN(ms)
  ) {
    throw new QueryBuildError(`Not an ISO date or datetime: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export type Value =
  | { kind: 'text'; text: string }
  | { kind: 'sysId'; id: string }
  | { kind: 'number'; table: keyof typeof RECORD_NUMBER; number: string }
  | { kind: 'choice'; value: string; allowed: readonly string[] }
  | { kind: 'int'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'datetime'; value: string };

export const text = (t: string): Value => ({ kind: 'text', text: t });
export const sysId = (id: string): Value => ({ kind: 'sysId', id });
export const recordNumber = (table: keyof typeof RECORD_NUMBER, number: string): Value => ({
  kind: 'number',
  table,
  number,
});
export const choice = (value: string, allowed: readonly string[]): Value => ({
  kind: 'choice',
  value,
  allowed,
});
export const int = (value: number): Value => ({ kind: 'int', value });
export const bool = (value: boolean): Value => ({ kind: 'bool', value });
export const datetime = (value: string): Value => ({ kind: 'datetime', value });

function render(value: Value): string {
  switch (value.kind) {
    case 'text': {
      const problem = unsafeQueryText(value.text);
      if (problem) throw new QueryBuildError(`Query text ${problem}`);
      return value.text;
    }
    case 'sysId':
      if (!SYS_ID.test(value.id))
        throw new QueryBuildError(`Not a sys_id: ${JSON.stringify(value.id.slice(0, 40))}`);
      return value.id;
    case 'number':
      if (!RECORD_NUMBER[value.table].test(value.number)) {
        throw new QueryBuildError(
          `Not a ${value.table} number: ${JSON.stringify(value.number.slice(0, 40))}`,
        );
      }
      return value.number;
    case 'choice':
      if (!value.allowed.includes(value.value) || !/^-?[A-Za-z0-9_ ]{1,40}$/.test(value.value)) {
        throw new QueryBuildError(`Not an allowed choice: ${JSON.stringify(value.value.slice(0, 40))}`);
      }
      return value.value;
    case 'int':
      if (!Number.isSafeInteger(value.value)) throw new QueryBuildError(`Not an integer: ${value.value}`);
      return String(value.value);
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'datetime':
      return dateTimeLiteral(value.value);
  }
}

export interface Condition {
  field: string;
  op: Operator;
  /** One value; a list for IN / NOT IN; none for ISEMPTY / ISNOTEMPTY. */
  value?: Value | readonly Value[];
}

/**
 * An encoded query on one table: AND-ed conditions, optional OR alternatives of one condition
 * (`^OR`), optional whole alternative groups (`^NQ`, used for keyset pagination) and an ordering.
 */
export class EncodedQuery<T extends QueryTable> {
  private readonly groups: string[][] = [[]];
  private readonly orders: string[] = [];

  readonly table: T;

  constructor(table: T) {
    this.table = table;
  }

  private field(name: string): string {
    if (!(QUERY_FIELDS[this.table] as readonly string[]).includes(name)) {
      throw new QueryBuildError(`Field ${JSON.stringify(name)} is not queryable on ${this.table}`);
    }
    return name;
  }

  private term(c: Condition): string {
    const field = this.field(c.field);
    if (!OPERATORS.has(c.op)) throw new QueryBuildError(`Not an operator: ${JSON.stringify(c.op)}`);
    if (c.op === 'ISEMPTY' || c.op === 'ISNOTEMPTY') {
      if (c.value !== undefined) throw new QueryBuildError(`${c.op} takes no value`);
      return `${field}${c.op}`;
    }
    if (c.value === undefined) throw new QueryBuildError(`${c.op} needs a value`);
    if (c.op === 'IN' || c.op === 'NOT IN') {
      const values = Array.isArray(c.value) ? (c.value as readonly Value[]) : [c.value as Value];
      if (values.length === 0) throw new QueryBuildError(`${c.op} needs at least one value`);
      const rendered = values.map((v) => {
        const r = render(v);
        if (r.includes(',')) throw new QueryBuildError('An IN list value must not contain ","');
        return r;
      });
      return `${field}${c.op}${rendered.join(',')}`;
    }
    if (Array.isArray(c.value)) throw new QueryBuildError(`${c.op} takes one value`);
    const rendered = render(c.value as Value);
    if (rendered === '') throw new QueryBuildError(`${c.op} needs a non-empty value`);
    return `${field}${c.op}${rendered}`;
  }

  /** AND a condition to the current group. */
  where(field: QueryField<T>, op: Operator, value?: Value | readonly Value[]): this {
    this.groups[this.groups.length - 1]!.push(
      this.term({ field, op, ...(value === undefined ? {} : { value }) }),
    );
    return this;
  }

  /** AND "any of these conditions" (`a^ORb^ORc`) to the current group. */
  whereAny(conditions: ReadonlyArray<Condition & { field: QueryField<T> }>): this {
    if (conditions.length === 0) throw new QueryBuildError('whereAny needs at least one condition');
    this.groups[this.groups.length - 1]!.push(conditions.map((c) => this.term(c)).join('^OR'));
    return this;
  }

  /** Starts a new alternative group (`^NQ`): a row matches when it matches any group. */
  newGroup(): this {
    if (this.groups[this.groups.length - 1]!.length === 0) throw new QueryBuildError('An empty query group');
    this.groups.push([]);
    return this;
  }

  orderBy(field: QueryField<T>, direction: 'ASC' | 'DESC' = 'ASC'): this {
    this.orders.push(`${direction === 'DESC' ? 'ORDERBYDESC' : 'ORDERBY'}${this.field(field)}`);
    return this;
  }

  /** The conditions added so far, as a group that can be repeated (keyset pagination). */
  snapshot(): string[] {
    return [...this.groups[this.groups.length - 1]!];
  }

  /** Appends already-rendered terms from {@link snapshot} of a query on the same table. */
  append(terms: readonly string[]): this {
    this.groups[this.groups.length - 1]!.push(...terms);
    return this;
  }

  toString(): string {
    const groups = this.groups.filter((g) => g.length > 0).map((g) => g.join('^'));
    return [groups.join('^NQ'), ...this.orders].filter((p) => p.length > 0).join('^');
  }
}

/**
 * Keyset continuation for `ORDERBY<field>, ORDERBY sys_id` (or both DESC): the base conditions, then
 * `field > v` OR (`field = v` AND `sys_id > id`), written as two `^NQ` groups that both repeat the base.
 */
export function keysetQuery<T extends QueryTable>(
  table: T,
  base: (q: EncodedQuery<T>) => void,
  sort: { field: QueryField<T>; direction: 'ASC' | 'DESC'; value: Value },
  after: { sysId: string } | undefined,
): EncodedQuery<T> {
  const q = new EncodedQuery(table);
  base(q);
  if (after !== undefined) {
    const terms = q.snapshot();
    const op = sort.direction === 'ASC' ? '>' : '<';
    q.where(sort.field, op, sort.value).newGroup().append(terms);
    q.where(sort.field, '=', sort.value).where('sys_id' as QueryField<T>, op, sysId(after.sysId));
  }
  q.orderBy(sort.field, sort.direction).orderBy('sys_id' as QueryField<T>, sort.direction);
  return q;
}
