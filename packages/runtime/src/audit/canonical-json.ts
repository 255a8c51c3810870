import { createHash } from 'node:crypto';
import { pgSafeJson, pgSafeString } from './bounded-json.ts';

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A plain-JSON copy of `value` that survives a round trip through PostgreSQL `jsonb` unchanged: keys
 * and strings made safe (NUL and lone surrogates replaced), keys sorted, no recursion. Hashes are
 * computed over this form, so verification can recompute them.
 */
export const jsonSafe = pgSafeJson;

export function safeText(value: string): string;
export function safeText(value: string | undefined | null): string | null;
export function safeText(value: string | undefined | null): string | null {
  return value === undefined || value === null ? null : pgSafeString(value);
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}
