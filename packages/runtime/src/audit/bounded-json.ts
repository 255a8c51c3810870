import { createHash } from 'node:crypto';

/** How much of one value an audit row stores before it keeps a digest and an excerpt instead. */
export interface JsonLimits {
  /** Largest canonical JSON (UTF-8 bytes) stored as is. */
  maxBytes: number;
  /** Deepest nesting stored as is (a scalar is depth 0, `{}` is 1). */
  maxDepth: number;
  /** Most values (objects, arrays, scalars, counted once each) stored as is. */
  maxNodes: number;
  /** Characters of canonical JSON kept as the excerpt of a value over a limit. */
  excerptChars: number;
}

/** Tool/prompt arguments: room for any honest call, nothing like a 900 KB payload per refused call. */
export const ARGUMENT_LIMITS: JsonLimits = Object.freeze({
  maxBytes: 16 * 1024,
  maxDepth: 16,
  maxNodes: 1000,
  excerptChars: 1024,
});

/** Event extras (`detail`). */
export const DETAIL_LIMITS: JsonLimits = Object.freeze({
  maxBytes: 8 * 1024,
  maxDepth: 8,
  maxNodes: 200,
  excerptChars: 512,
});

/** No limits: only the PostgreSQL-safety of keys and strings (the spool's re-encoding). */
const UNBOUNDED: JsonLimits = Object.freeze({
  maxBytes: Number.POSITIVE_INFINITY,
  maxDepth: Number.POSITIVE_INFINITY,
  maxNodes: Number.POSITIVE_INFINITY,
  excerptChars: 0,
});

/** Ceiling on the text serialised for one value's digest (cycles, absurd inputs): past it the digest covers a prefix. */
const MAX_SERIALISED_CHARS = 8 * 1024 * 1024;

/** What an audit row stores in place of a value over its limits. */
export interface TruncatedJson {
  $audit: 'truncated';
  /** Which limits it exceeded: `bytes`, `depth`, `nodes`, `serialisation` (past the hard ceiling). */
  exceeded: string[];
  /** SHA-256 of the canonical JSON (of its first 8 Mi characters when `complete` is false). */
  sha256: string;
  complete: boolean;
  /** UTF-8 bytes of the canonical JSON (of the part serialised when `complete` is false). */
  bytes: number;
  depth: number;
  nodes: number;
  /** The canonical JSON's first characters. */
  excerpt: string;
}

/**
 * A string PostgreSQL text and jsonb can hold unchanged: lone surrogates and NUL (which `jsonb`
 * refuses as `\u0000`, and `text` cannot store) replaced by U+FFFD.
 */
export function pgSafeString(value: string): string {
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

interface Frame {
  array: boolean;
  source: unknown[];
  keys: string[];
  i: number;
}

function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Own enumerable entries with PostgreSQL-safe keys (a later key that sanitises alike wins), sorted. */
function safeEntries(object: Record<string, unknown>): { keys: string[]; values: unknown[] } {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (!isSkipped(value)) map.set(pgSafeString(key), value);
  }
  const keys = [...map.keys()].sort();
  return { keys, values: keys.map((key) => map.get(key)) };
}

/**
 * Canonical JSON (keys sorted) of `value` with every key and string PostgreSQL-safe, built with an
 * explicit stack (no recursion: 100,000 levels of nesting cannot overflow it), measuring depth and
 * node count, and stopping past `maxChars`.
 */
function serialise(value: unknown, maxChars: number) {
  const out: string[] = [];
  let length = 0;
  let depth = 0;
  let nodes = 0;
  let complete = true;
  const stack: Frame[] = [];
  const emit = (text: string) => {
    out.push(text);
    length += text.length;
  };
  let pending: unknown = value;
  let hasPending = true;
  for (;;) {
    if (length > maxChars) {
      complete = false;
      break;
    }
    if (hasPending) {
      hasPending = false;
      let v = pending;
      if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        v = (v as { toJSON: () => unknown }).toJSON();
      }
      nodes += 1;
      if (v === null || isSkipped(v)) emit('null');
      else if (typeof v === 'string') emit(JSON.stringify(pgSafeString(v)));
      else if (typeof v === 'number') emit(Number.isFinite(v) ? JSON.stringify(v) : 'null');
      else if (typeof v === 'boolean') emit(v ? 'true' : 'false');
      else if (typeof v === 'bigint') emit(JSON.stringify(v.toString()));
      else if (Array.isArray(v)) {
        emit('[');
        stack.push({ array: true, source: v, keys: [], i: 0 });
      } else {
        const { keys, values } = safeEntries(v as Record<string, unknown>);
        emit('{');
        stack.push({ array: false, source: values, keys, i: 0 });
      }
      if (stack.length > depth) depth = stack.length;
    }
    const top = stack.at(-1);
    if (top === undefined) break;
    if (top.i < top.source.length) {
      if (top.i > 0) emit(',');
      if (!top.array) emit(`${JSON.stringify(top.keys[top.i])}:`);
      pending = top.source[top.i];
      hasPending = true;
      top.i += 1;
    } else {
      emit(top.array ? ']' : '}');
      stack.pop();
    }
  }
  return { text: out.join(''), depth, nodes, complete };
}

/**
 * A plain-JSON copy of `value` that PostgreSQL `jsonb` stores and returns unchanged (keys and
 * strings made safe, keys sorted) when it is within `limits`; otherwise a `TruncatedJson` marker with
 * the digest, size and an excerpt. Never recurses, so hostile nesting cannot exhaust the stack.
 */
export function boundedJson(value: unknown, limits: JsonLimits): unknown {
  const s = serialise(value, MAX_SERIALISED_CHARS);
  const bytes = Buffer.byteLength(s.text, 'utf8');
  const exceeded: string[] = [];
  if (!s.complete) exceeded.push('serialisation');
  if (bytes > limits.maxBytes) exceeded.push('bytes');
  if (s.depth > limits.maxDepth) exceeded.push('depth');
  if (s.nodes > limits.maxNodes) exceeded.push('nodes');
  if (exceeded.length === 0) return JSON.parse(s.text);
  const marker: TruncatedJson = {
    $audit: 'truncated',
    exceeded,
    sha256: createHash('sha256').update(s.text).digest('hex'),
    complete: s.complete,
    bytes,
    depth: s.depth,
    nodes: s.nodes,
    excerpt: s.text.slice(0, limits.excerptChars).toWellFormed(),
  };
  return marker;
}

/** `boundedJson` without size limits: only keys and strings made PostgreSQL-safe. */
export function pgSafeJson(value: unknown): unknown {
  return boundedJson(value, UNBOUNDED);
}

/** Whether a stored value is a truncation marker. */
export function isTruncated(value: unknown): value is TruncatedJson {
  return (
    typeof value === 'object' && value !== null && (value as { $audit?: unknown }).$audit === 'truncated'
  );
}
