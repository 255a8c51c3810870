/** Deepest JSON nesting a request body may have; checked on the raw text before it is parsed. */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a JSON text, counted without parsing (so without recursion), stopping as
 * soon as it passes `limit`. Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

// C0 controls other than tab, line feed and carriage return: no backend text field carries them
// (PostgreSQL refuses NUL outright) and they have no place in tool arguments.
function firstControl(value: string): number | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return undefined;
}

function describeString(value: string): string | undefined {
  const code = firstControl(value);
  if (code !== undefined) {
    return `contains the control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  }
  if (!value.isWellFormed()) return 'contains an unpaired UTF-16 surrogate (invalid Unicode)';
  return undefined;
}

/**
 * The first place in `value` (keys included) holding text that cannot be carried to a backend — NUL
 * and other C0 control characters, unpaired surrogates — as `{ path, problem }`, or undefined.
 * Iterative: safe on any nesting.
 */
export function uncarriableText(value: unknown): { path: string; problem: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (typeof node === 'string') {
      const problem = describeString(node);
      if (problem) return { path: path || '(value)', problem };
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], path ? `${path}.${i}` : String(i)]);
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        const problem = describeString(key);
        const at = path ? `${path}.${key}` : key;
        if (problem) return { path: at, problem: `its name ${problem}` };
        stack.push([(node as Record<string, unknown>)[key], at]);
      }
    }
  }
  return undefined;
}
