import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function sanitizeString(value: string): string {
  // PostgreSQL text/jsonb cannot hold NUL or lone surrogates; an attacker could send either.
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/**
 * A plain-JSON copy of `value` that survives a round trip through PostgreSQL `jsonb`/`text`
 * unchanged: JSON round trip (drops functions/undefined, Dates become strings), NUL and lone
 * surrogates replaced. Hashes are computed over this form, so verification can recompute them.
 */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return JSON.parse(text, (_key, v: unknown) => (typeof v === 'string' ? sanitizeString(v) : v));
}

export function safeText(value: string): string;
export function safeText(value: string | undefined | null): string | null;
export function safeText(value: string | undefined | null): string | null {
  return value === undefined || value === null ? null : sanitizeString(value);
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
