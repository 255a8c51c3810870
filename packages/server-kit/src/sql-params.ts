/**
 * Parameterised SQL for the PostgreSQL-backed sandboxes: every value is a `$n` placeholder, never
 * spliced text; text matched with ILIKE has its wildcards escaped first.
 */

/** Escapes text for an ILIKE pattern (backslash is PostgreSQL's default escape character). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** Collects parameters so each condition reads `column op ${p.add(value)}`; pass `p.values` to the query. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
