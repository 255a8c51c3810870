export const REDACTED = '[REDACTED]';

/**
 * A copy of `value` with the dot-separated `paths` replaced by `[REDACTED]` (policy.sensitive). A path
 * segment `*` matches every key; arrays are crossed transparently (`contacts.email` redacts the email
 * of every contact). The input is never modified.
 */
export function redactPaths<T>(value: T, paths: readonly string[] | undefined): T {
  if (paths === undefined || paths.length === 0) return value;
  let copy = structuredClone(value) as unknown;
  for (const path of paths) copy = redactOne(copy, path.split('.'));
  return copy as T;
}

function redactOne(node: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return REDACTED;
  if (Array.isArray(node)) return node.map((item) => redactOne(item, segments));
  if (typeof node !== 'object' || node === null) return node;
  const [head, ...rest] = segments as [string, ...string[]];
  const record = node as Record<string, unknown>;
  for (const key of head === '*' ? Object.keys(record) : [head]) {
    if (Object.hasOwn(record, key)) record[key] = redactOne(record[key], rest);
  }
  return record;
}
