import { createHash, timingSafeEqual } from 'node:crypto';

/** One static service token as configured: only the SHA-256 of the secret is kept. */
export interface ServiceTokenEntry {
  name: string;
  /** SHA-256 digest of the token (32 bytes). */
  hash: Buffer;
  scopes: readonly string[];
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const HEX = /^[0-9a-fA-F]{64}$/;

/** Parses `name:sha256hex:scope scope,name2:...`. Throws a message naming the bad entry (never echoing a hash). */
export function parseServiceTokens(text: string): ServiceTokenEntry[] {
  const entries: ServiceTokenEntry[] = [];
  const names = new Set<string>();
  for (const [index, raw] of text.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const first = entry.indexOf(':');
    const second = entry.indexOf(':', first + 1);
    const name = first > 0 ? entry.slice(0, first) : '';
    const hex = second > first ? entry.slice(first + 1, second) : '';
    const scopes =
      second > first
        ? entry
            .slice(second + 1)
            .trim()
            .split(/\s+/)
            .filter(Boolean)
        : [];
    if (!NAME.test(name))
      throw new Error(`entry ${index + 1}: the name must be 1-64 letters, digits, '.', '_' or '-'`);
    if (!HEX.test(hex))
      throw new Error(
        `entry ${index + 1} (${name}): the hash must be 64 hex characters (sha256 of the token)`,
      );
    if (scopes.length === 0)
      throw new Error(`entry ${index + 1} (${name}): list at least one scope after the hash`);
    if (names.has(name)) throw new Error(`entry ${index + 1}: the name ${name} is used twice`);
    names.add(name);
    entries.push({ name, hash: Buffer.from(hex, 'hex'), scopes });
  }
  return entries;
}

/** SHA-256 of a token, as stored in SERVICE_TOKENS (for operators: `printf %s "$TOKEN" | sha256sum`). */
export function hashServiceToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The entry whose hash matches `token`, comparing every entry in constant time (no early exit, so
 * the response time does not reveal which entry, or how much of a hash, matched).
 */
export function matchServiceToken(
  token: string,
  entries: readonly ServiceTokenEntry[],
): ServiceTokenEntry | undefined {
  if (entries.length === 0) return undefined;
  const digest = hashServiceToken(token);
  let found: ServiceTokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(digest, entry.hash) && found === undefined) found = entry;
  }
  return found;
}
