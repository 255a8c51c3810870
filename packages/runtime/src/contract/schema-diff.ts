import { canonicalJson } from '../audit/canonical-json.ts';

/** How far a change reaches: a caller must change (major), may use something new (minor), or only reads other words (patch). */
export type ChangeLevel = 'major' | 'minor' | 'patch';

export const LEVEL_ORDER: Record<ChangeLevel | 'none', number> = { none: 0, patch: 1, minor: 2, major: 3 };

export interface SchemaChange {
  level: ChangeLevel;
  /** JSON-ish path inside the schema, e.g. `stage` or `items[].amount`. */
  path: string;
  message: string;
}

/**
 * Which side of the wire a schema describes. `input`: the caller writes, the server reads — accepting
 * less breaks callers. `output`: the server writes, the caller reads — producing more (or dropping
 * what was promised) breaks callers.
 */
export type Direction = 'input' | 'output';

type Schema = Record<string, unknown>;

const ANNOTATION_KEYWORDS = new Set(['description', 'title', 'examples', '$comment', 'deprecated']);
const IGNORED_KEYWORDS = new Set(['$schema', '$id']);
/** Bounds: for each, whether a larger value accepts more (true) or less (false). */
const BOUNDS: Record<string, boolean> = {
  maxLength: true,
  maximum: true,
  exclusiveMaximum: true,
  maxItems: true,
  maxProperties: true,
  minLength: false,
  minimum: false,
  exclusiveMinimum: false,
  minItems: false,
  minProperties: false,
};
const HANDLED = new Set([
  'type',
  'nullable',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'anyOf',
  'oneOf',
  'default',
  'format',
  'pattern',
  ...Object.keys(BOUNDS),
]);

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);
const show = (path: string) => (path === '' ? '(root)' : path);

/** Accepting more values: for inputs a new possibility for callers (minor), for outputs a surprise for them (major). */
const widened = (dir: Direction): ChangeLevel => (dir === 'input' ? 'minor' : 'major');
/** Accepting fewer values: for inputs callers' requests may now fail (major), for outputs nothing breaks (minor). */
const narrowed = (dir: Direction): ChangeLevel => (dir === 'input' ? 'major' : 'minor');

const NULL_SCHEMA = canonicalJson({ type: 'null' });

/**
 * A schema split into "null allowed?" and the rest, so `nullable: true`, `type: [X, "null"]` and
 * `anyOf: [X, {type: "null"}]` (what zod emits for `.nullable()`) compare as the same thing.
 */
function splitNull(schema: Schema): { nullable: boolean; base: Schema } {
  let nullable = schema.nullable === true;
  let base: Schema = { ...schema };
  delete base.nullable;
  if (Array.isArray(base.type) && base.type.includes('null')) {
    nullable = true;
    const rest = base.type.filter((t) => t !== 'null');
    base.type = rest.length === 1 ? rest[0] : rest;
  } else if (base.type === 'null' && Object.keys(base).length === 1) {
    return { nullable: true, base: {} };
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alternatives = base[key];
    if (!Array.isArray(alternatives) || !alternatives.some((a) => canonicalJson(a) === NULL_SCHEMA)) continue;
    nullable = true;
    const rest = alternatives.filter((a) => canonicalJson(a) !== NULL_SCHEMA);
    const { [key]: _dropped, ...others } = base;
    base = rest.length === 1 && isSchema(rest[0]) ? { ...others, ...rest[0] } : { ...others, [key]: rest };
  }
  return { nullable, base };
}

function typeSet(schema: Schema): Set<string> | undefined {
  if (schema.type === undefined) return undefined;
  const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type)];
  return new Set(types);
}

/** Whether type `t` is accepted by the set (an `integer` fits in `number`). */
const admits = (set: Set<string>, t: string) => set.has(t) || (t === 'integer' && set.has('number'));

function compareTypes(a: Schema, b: Schema, dir: Direction, path: string, out: SchemaChange[]): void {
  const before = typeSet(a);
  const after = typeSet(b);
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    const level = before === undefined ? narrowed(dir) : widened(dir);
    out.push({
      level,
      path,
      message: `${show(path)}: type ${before === undefined ? 'restricted to' : 'no longer restricted from'} ${[...(after ?? before ?? [])].join('|')}`,
    });
    return;
  }
  const lost = [...before].filter((t) => !admits(after, t));
  const gained = [...after].filter((t) => !admits(before, t));
  if (lost.length > 0) {
    out.push({
      level: narrowed(dir),
      path,
      message: `${show(path)}: type narrowed from ${[...before].join('|')} to ${[...after].join('|')}`,
    });
  }
  if (gained.length > 0) {
    out.push({
      level: widened(dir),
      path,
      message: `${show(path)}: type widened from ${[...before].join('|')} to ${[...after].join('|')}`,
    });
  }
}

function valuesOf(schema: Schema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  if ('const' in schema) return [schema.const];
  return undefined;
}

function compareEnums(a: Schema, b: Schema, dir: Direction, path: string, out: SchemaChange[]): void {
  const before = valuesOf(a);
  const after = valuesOf(b);
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    out.push({
      level: before === undefined ? narrowed(dir) : widened(dir),
      path,
      message: `${show(path)}: ${before === undefined ? `now limited to ${JSON.stringify(after)}` : 'no longer limited to fixed values'}`,
    });
    return;
  }
  const key = (v: unknown) => canonicalJson(v);
  const removed = before.filter((v) => !after.some((w) => key(w) === key(v)));
  const added = after.filter((v) => !before.some((w) => key(w) === key(v)));
  if (removed.length > 0) {
    out.push({
      level: dir === 'input' ? 'major' : 'minor',
      path,
      message: `${show(path)}: enum value${removed.length > 1 ? 's' : ''} ${removed.map((v) => JSON.stringify(v)).join(', ')} removed`,
    });
  }
  if (added.length > 0) {
    // The issue's rule: a new enum value is an addition (minor) on either side.
    out.push({
      level: 'minor',
      path,
      message: `${show(path)}: enum value${added.length > 1 ? 's' : ''} ${added.map((v) => JSON.stringify(v)).join(', ')} added`,
    });
  }
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
}

function compareObjects(a: Schema, b: Schema, dir: Direction, path: string, out: SchemaChange[]): void {
  const before = isSchema(a.properties) ? a.properties : {};
  const after = isSchema(b.properties) ? b.properties : {};
  const reqBefore = requiredOf(a);
  const reqAfter = requiredOf(b);
  const noun = dir === 'input' ? 'argument' : 'output field';
  for (const name of Object.keys(before)) {
    const where = join(path, name);
    if (!(name in after)) {
      out.push({ level: 'major', path: where, message: `${noun} ${where} removed` });
      continue;
    }
    compareNode(before[name], after[name], dir, where, out);
  }
  for (const name of Object.keys(after)) {
    if (name in before) continue;
    const where = join(path, name);
    const required = reqAfter.has(name);
    out.push({
      level: dir === 'input' && required ? 'major' : 'minor',
      path: where,
      message: `${required ? 'required' : 'optional'} ${noun} ${where} added`,
    });
  }
  for (const name of Object.keys(after)) {
    if (!(name in before)) continue;
    const where = join(path, name);
    if (!reqBefore.has(name) && reqAfter.has(name)) {
      out.push({ level: narrowed(dir), path: where, message: `${noun} ${where} is now required` });
    } else if (reqBefore.has(name) && !reqAfter.has(name)) {
      out.push({ level: widened(dir), path: where, message: `${noun} ${where} is now optional` });
    }
  }
  compareAdditional(a.additionalProperties, b.additionalProperties, dir, path, out);
}

function compareAdditional(a: unknown, b: unknown, dir: Direction, path: string, out: SchemaChange[]): void {
  if (same(a, b)) return;
  const open = (v: unknown) => v === undefined || v === true || (isSchema(v) && Object.keys(v).length === 0);
  if (open(a) && open(b)) return;
  if (isSchema(a) && isSchema(b) && !open(a) && !open(b)) {
    compareNode(a, b, dir, join(path, '(additional properties)'), out);
    return;
  }
  const closing = open(a) || (isSchema(a) && b === false);
  out.push({
    level: closing ? narrowed(dir) : widened(dir),
    path,
    message: `${show(path)}: ${closing ? 'unknown properties now restricted' : 'unknown properties now allowed'} (additionalProperties ${JSON.stringify(a ?? true)} → ${JSON.stringify(b ?? true)})`,
  });
}

function compareBounds(a: Schema, b: Schema, dir: Direction, path: string, out: SchemaChange[]): void {
  for (const [keyword, largerAcceptsMore] of Object.entries(BOUNDS)) {
    const before = a[keyword];
    const after = b[keyword];
    if (same(before, after)) continue;
    let accepts: 'more' | 'less';
    if (before === undefined) accepts = 'less';
    else if (after === undefined) accepts = 'more';
    else accepts = Number(after) > Number(before) === largerAcceptsMore ? 'more' : 'less';
    out.push({
      level: accepts === 'more' ? widened(dir) : narrowed(dir),
      path,
      message: `${show(path)}: ${keyword} ${before === undefined ? 'added' : JSON.stringify(before)} → ${after === undefined ? 'removed' : JSON.stringify(after)}`,
    });
  }
}

function compareStrings(a: Schema, b: Schema, dir: Direction, path: string, out: SchemaChange[]): void {
  for (const keyword of ['format', 'pattern'] as const) {
    const before = a[keyword];
    const after = b[keyword];
    if (same(before, after)) continue;
    out.push({
      level: after === undefined ? widened(dir) : narrowed(dir),
      path,
      message: `${show(path)}: ${keyword} ${before === undefined ? 'added' : JSON.stringify(before)} → ${after === undefined ? 'removed' : JSON.stringify(after)}`,
    });
    // A changed (not removed) format or pattern both drops old values and admits new ones.
    if (before !== undefined && after !== undefined) {
      out.push({ level: widened(dir), path, message: `${show(path)}: ${keyword} now admits other values` });
    }
  }
}

function compareAlternatives(
  key: 'anyOf' | 'oneOf',
  a: Schema,
  b: Schema,
  dir: Direction,
  path: string,
  out: SchemaChange[],
): void {
  const before = Array.isArray(a[key]) ? (a[key] as unknown[]) : [];
  const after = Array.isArray(b[key]) ? (b[key] as unknown[]) : [];
  if (same(before, after)) return;
  const unmatchedBefore = before.filter((x) => !after.some((y) => same(x, y)));
  const unmatchedAfter = after.filter((y) => !before.some((x) => same(x, y)));
  if (unmatchedBefore.length === unmatchedAfter.length) {
    // Same shape of choice: compare the changed alternatives pairwise, in order.
    unmatchedBefore.forEach((x, i) => {
      compareNode(x, unmatchedAfter[i], dir, path, out);
    });
    return;
  }
  if (unmatchedBefore.length > 0) {
    out.push({
      level: narrowed(dir),
      path,
      message: `${show(path)}: ${unmatchedBefore.length} ${key} alternative(s) removed`,
    });
  }
  if (unmatchedAfter.length > 0) {
    out.push({
      level: widened(dir),
      path,
      message: `${show(path)}: ${unmatchedAfter.length} ${key} alternative(s) added`,
    });
  }
}

function compareNode(rawA: unknown, rawB: unknown, dir: Direction, path: string, out: SchemaChange[]): void {
  if (same(rawA, rawB)) return;
  if (!isSchema(rawA) || !isSchema(rawB)) {
    // Boolean schemas (true/false) or garbage: judge by acceptance.
    const accepts = (s: unknown) => (s === false ? 0 : isSchema(s) && Object.keys(s).length > 0 ? 1 : 2);
    const more = accepts(rawB) > accepts(rawA);
    out.push({ level: more ? widened(dir) : narrowed(dir), path, message: `${show(path)}: schema replaced` });
    return;
  }
  const na = splitNull(rawA);
  const nb = splitNull(rawB);
  if (na.nullable !== nb.nullable) {
    out.push({
      level: nb.nullable ? widened(dir) : narrowed(dir),
      path,
      message: `${show(path)}: ${nb.nullable ? 'now nullable' : 'no longer nullable'}`,
    });
  }
  const a = na.base;
  const b = nb.base;
  compareTypes(a, b, dir, path, out);
  compareEnums(a, b, dir, path, out);
  compareObjects(a, b, dir, path, out);
  compareBounds(a, b, dir, path, out);
  compareStrings(a, b, dir, path, out);
  if (!same(a.items, b.items)) {
    if (a.items === undefined || b.items === undefined) {
      out.push({
        level: a.items === undefined ? narrowed(dir) : widened(dir),
        path: `${path}[]`,
        message: `${show(path)}: array items ${a.items === undefined ? 'now constrained' : 'no longer constrained'}`,
      });
    } else {
      compareNode(a.items, b.items, dir, `${path}[]`, out);
    }
  }
  if (!same(a.prefixItems, b.prefixItems)) {
    out.push({ level: 'major', path, message: `${show(path)}: tuple items (prefixItems) changed` });
  }
  compareAlternatives('anyOf', a, b, dir, path, out);
  compareAlternatives('oneOf', a, b, dir, path, out);
  if (!same(a.default, b.default)) {
    // Callers who omit the argument now get other behaviour: new behaviour, not a broken call.
    out.push({
      level: 'minor',
      path,
      message: `${show(path)}: default ${a.default === undefined ? 'added' : JSON.stringify(a.default)} → ${b.default === undefined ? 'removed' : JSON.stringify(b.default)}`,
    });
  }
  for (const keyword of ANNOTATION_KEYWORDS) {
    if (!same(a[keyword], b[keyword])) {
      out.push({ level: 'patch', path, message: `${show(path)}: ${keyword} changed` });
    }
  }
  const others = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const keyword of others) {
    if (HANDLED.has(keyword) || ANNOTATION_KEYWORDS.has(keyword) || IGNORED_KEYWORDS.has(keyword)) continue;
    if (!same(a[keyword], b[keyword])) {
      // A keyword the classifier does not understand: assume the worst, a reviewer can read why.
      out.push({
        level: 'major',
        path,
        message: `${show(path)}: ${keyword} changed (not classified automatically; treated as breaking)`,
      });
    }
  }
}

/** Every difference between two JSON Schemas, each classified from the point of view of the caller. */
export function compareSchemas(before: unknown, after: unknown, direction: Direction): SchemaChange[] {
  const out: SchemaChange[] = [];
  compareNode(before ?? {}, after ?? {}, direction, '', out);
  return out;
}
