import type { Policy } from '@mcp-platform/protocol';

const TOOL = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** Parses `tool=limit,tool2=limit` (limit: calls per minute, 0 = unlimited). */
export function parseRateLimitOverrides(text: string): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf('=');
    const tool = at > 0 ? entry.slice(0, at).trim() : '';
    const limit = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!TOOL.test(tool) || !/^\d{1,7}$/.test(limit)) {
      throw new Error(`entry "${entry}" is not of the form tool=callsPerMinute`);
    }
    map.set(tool, Number(limit));
  }
  return map;
}

/**
 * Calls per minute for one definition: the operator's override wins over the definition's policy,
 * which wins over the server default. 0 means unlimited.
 */
export function limitFor(
  name: string,
  policy: Policy,
  overrides: ReadonlyMap<string, number>,
  fallback: number,
): number {
  return overrides.get(name) ?? policy.rateLimitPerMinute ?? fallback;
}
