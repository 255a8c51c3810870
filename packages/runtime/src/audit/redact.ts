export const REDACTED = '[REDACTED]';

function redactPath(value: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return value === undefined ? value : REDACTED;
  if (Array.isArray(value)) {
    const [head, ...rest] = segments;
    // A numeric segment addresses one element; otherwise the path applies to every element.
    if (head !== undefined && /^\d+$/.test(head)) {
      const index = Number(head);
      if (index >= value.length) return value;
      const copy = value.slice();
      copy[index] = redactPath(copy[index], rest);
      return copy;
    }
    return value.map((item) => redactPath(item, segments));
  }
  if (typeof value !== 'object' || value === null) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  if (!Object.hasOwn(value, head)) return value;
  return {
    ...(value as Record<string, unknown>),
    [head]: redactPath((value as Record<string, unknown>)[head], rest),
  };
}

/**
 * A copy of `args` with the values at the given dot-separated paths replaced by `[REDACTED]`
 * (`policy.sensitive`). A path through an array applies to each element.
 */
export function redact(args: unknown, paths: readonly string[] | undefined): unknown {
  if (!paths || paths.length === 0) return args;
  let out = args;
  for (const path of paths) {
    const segments = path.split('.').filter((s) => s.length > 0);
    if (segments.length > 0) out = redactPath(out, segments);
  }
  return out;
}
