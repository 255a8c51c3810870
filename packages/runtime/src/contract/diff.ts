import type { ToolAnnotations } from '@mcp-platform/protocol';
import { canonicalJson } from '../audit/canonical-json.ts';
import type {
  Contract,
  ContractPrompt,
  ContractResource,
  ContractResourceTemplate,
  ContractTool,
  EntryKind,
} from './model.ts';
import { type ChangeLevel, compareSchemas, LEVEL_ORDER } from './schema-diff.ts';
import { compareSemver, nextVersion, parseSemver } from './semver.ts';

export interface ContractChange {
  level: ChangeLevel;
  kind: EntryKind | 'server';
  /** Tool or prompt name, resource URI or template. */
  entry: string;
  message: string;
}

export interface ContractDiff {
  changes: ContractChange[];
  /** Changes the check refuses whatever the version (e.g. a deprecated tool removed too early). */
  refusals: string[];
  /** The highest level among the changes. */
  level: ChangeLevel | 'none';
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** MCP's defaults for absent hints: not read-only, destructive, not idempotent, open world. */
const HINT_DEFAULTS: Required<ToolAnnotations> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};
/** For each hint, the value that is the safer claim. */
const SAFE_VALUE: Required<ToolAnnotations> = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
const APPROVAL_RANK = { none: 0, confirm: 1, approver: 2 } as const;

type Push = (level: ChangeLevel, message: string) => void;

function compareText(field: string, a: string | undefined, b: string | undefined, push: Push): void {
  if (a !== b) push('patch', `${field} changed: ${JSON.stringify(a ?? '')} → ${JSON.stringify(b ?? '')}`);
}

function compareScopes(a: readonly string[], b: readonly string[], push: Push): void {
  if (same(a, b)) return;
  const gained = b.filter((s) => !a.includes(s));
  if (gained.length === 0) {
    push('minor', `scopes tightened: ${a.join(' ')} → ${b.join(' ')}`);
  } else {
    push(
      'major',
      `scopes loosened or changed: ${a.join(' ')} → ${b.join(' ')} (callers holding ${gained.join(' ')} gain access)`,
    );
  }
}

function compareAnnotations(
  a: ToolAnnotations | undefined,
  b: ToolAnnotations | undefined,
  push: Push,
): void {
  for (const hint of Object.keys(HINT_DEFAULTS) as Array<keyof ToolAnnotations>) {
    const before = a?.[hint] ?? HINT_DEFAULTS[hint];
    const after = b?.[hint] ?? HINT_DEFAULTS[hint];
    if (before === after) {
      if (a?.[hint] !== b?.[hint])
        push(
          'patch',
          `annotation ${hint} now ${b?.[hint] === undefined ? 'implicit' : 'explicit'} (${after})`,
        );
      continue;
    }
    const safer = after === SAFE_VALUE[hint];
    push(
      safer ? 'minor' : 'major',
      `annotation ${hint} ${before} → ${after} (${safer ? 'safer' : 'less safe'})`,
    );
  }
}

function compareTool(a: ContractTool, b: ContractTool, push: Push): void {
  compareText('title', a.title, b.title, push);
  compareText('description', a.description, b.description, push);
  for (const change of compareSchemas(a.inputSchema, b.inputSchema, 'input')) {
    push(change.level, `input: ${change.message}`);
  }
  if (a.outputSchema === undefined && b.outputSchema !== undefined) push('minor', 'output schema added');
  else if (a.outputSchema !== undefined && b.outputSchema === undefined)
    push('major', 'output schema removed');
  else {
    for (const change of compareSchemas(a.outputSchema, b.outputSchema, 'output')) {
      push(change.level, `output: ${change.message}`);
    }
  }
  compareAnnotations(a.annotations, b.annotations, push);
  compareScopes(a.scopes, b.scopes, push);
  if (a.approval !== b.approval) {
    const tighter = APPROVAL_RANK[b.approval] > APPROVAL_RANK[a.approval];
    push(
      tighter ? 'minor' : 'major',
      `approval ${tighter ? 'tightened' : 'loosened'}: ${a.approval} → ${b.approval}`,
    );
  }
  if ((a.agentMayConfirm ?? false) !== (b.agentMayConfirm ?? false)) {
    push(
      b.agentMayConfirm ? 'major' : 'minor',
      b.agentMayConfirm
        ? "approval loosened: the agent's own re-call now confirms the write (agentMayConfirm)"
        : 'approval tightened: a person must confirm again (agentMayConfirm removed)',
    );
  }
  if (a.rateLimitPerMinute !== b.rateLimitPerMinute) {
    const tighter =
      b.rateLimitPerMinute !== null &&
      (a.rateLimitPerMinute === null || b.rateLimitPerMinute < a.rateLimitPerMinute);
    push(
      tighter ? 'minor' : 'patch',
      `rate limit ${a.rateLimitPerMinute ?? 'server default'} → ${b.rateLimitPerMinute ?? 'server default'} per minute`,
    );
  }
  const unredacted = a.sensitive.filter((p) => !b.sensitive.includes(p));
  if (unredacted.length > 0)
    push('major', `arguments no longer redacted in logs and audit: ${unredacted.join(', ')}`);
  const redacted = b.sensitive.filter((p) => !a.sensitive.includes(p));
  if (redacted.length > 0) push('minor', `arguments now redacted in logs and audit: ${redacted.join(', ')}`);
  if (!same(a.deprecated, b.deprecated)) {
    if (a.deprecated === undefined) push('minor', `deprecated (removal in ${b.deprecated?.removeIn})`);
    else if (b.deprecated === undefined) push('minor', 'no longer deprecated');
    else
      push('patch', `deprecation changed: ${canonicalJson(a.deprecated)} → ${canonicalJson(b.deprecated)}`);
  }
}

function compareResource(
  a: ContractResource | ContractResourceTemplate,
  b: ContractResource | ContractResourceTemplate,
  push: Push,
): void {
  compareText('name', a.name, b.name, push);
  compareText('title', a.title, b.title, push);
  compareText('description', a.description, b.description, push);
  if (a.mimeType !== b.mimeType)
    push('major', `mimeType ${a.mimeType ?? '(none)'} → ${b.mimeType ?? '(none)'}`);
  compareScopes(a.scopes, b.scopes, push);
}

function comparePrompt(a: ContractPrompt, b: ContractPrompt, push: Push): void {
  compareText('title', a.title, b.title, push);
  compareText('description', a.description, b.description, push);
  for (const arg of a.arguments) {
    const now = b.arguments.find((x) => x.name === arg.name);
    if (!now) {
      push('major', `argument ${arg.name} removed`);
      continue;
    }
    if (!arg.required && now.required) push('major', `argument ${arg.name} is now required`);
    if (arg.required && !now.required) push('minor', `argument ${arg.name} is now optional`);
    compareText(`argument ${arg.name} description`, arg.description, now.description, push);
  }
  for (const arg of b.arguments) {
    if (a.arguments.some((x) => x.name === arg.name)) continue;
    push(
      arg.required ? 'major' : 'minor',
      `${arg.required ? 'required' : 'optional'} argument ${arg.name} added`,
    );
  }
  compareScopes(a.scopes, b.scopes, push);
}

function compareEntries<T>(
  kind: EntryKind,
  key: (entry: T) => string,
  before: readonly T[],
  after: readonly T[],
  compare: (a: T, b: T, push: Push) => void,
  out: ContractChange[],
  onRemoved?: (entry: T) => void,
): void {
  for (const a of before) {
    const b = after.find((x) => key(x) === key(a));
    const push: Push = (level, message) => out.push({ level, kind, entry: key(a), message });
    if (b === undefined) {
      push('major', `${kind} removed (or renamed)`);
      onRemoved?.(a);
    } else {
      compare(a, b, push);
    }
  }
  for (const b of after) {
    if (!before.some((a) => key(a) === key(b)))
      out.push({ level: 'minor', kind, entry: key(b), message: `${kind} added` });
  }
}

/** Deprecations must name a real replacement and give at least one breaking release of notice. */
function checkDeprecations(before: Contract | undefined, after: Contract, refusals: string[]): void {
  const baseVersion = parseSemver(before?.server.version ?? after.server.version);
  for (const tool of after.tools) {
    const d = tool.deprecated;
    if (d === undefined) continue;
    const removeIn = parseSemver(d.removeIn);
    if (removeIn === undefined) {
      refusals.push(
        `tool ${tool.name}: deprecated.removeIn "${d.removeIn}" is not a semantic version like 2.0.0`,
      );
      continue;
    }
    if (
      d.replacement !== undefined &&
      !after.tools.some((t) => t.name === d.replacement && t.deprecated === undefined)
    ) {
      refusals.push(
        `tool ${tool.name}: its replacement "${d.replacement}" is not a tool of this server that is itself still supported`,
      );
    }
    const was = before?.tools.find((t) => t.name === tool.name)?.deprecated;
    if (baseVersion && !same(was, d)) {
      const earliest = parseSemver(nextVersion(baseVersion, 'major'));
      if (earliest && compareSemver(removeIn, earliest) < 0) {
        refusals.push(
          `tool ${tool.name}: removal in ${d.removeIn} leaves no major version of notice; use ${nextVersion(baseVersion, 'major')} or later`,
        );
      }
    }
  }
}

/** Every difference from `before` (the reviewed contract) to `after` (what the code now generates), classified. */
export function diffContracts(before: Contract | undefined, after: Contract): ContractDiff {
  const changes: ContractChange[] = [];
  const refusals: string[] = [];
  const newVersion = parseSemver(after.server.version);
  if (newVersion === undefined)
    refusals.push(`server version "${after.server.version}" is not a semantic version`);
  if (before !== undefined) {
    const server: Push = (level, message) =>
      changes.push({ level, kind: 'server', entry: after.server.name, message });
    if (before.server.name !== after.server.name)
      server('major', `server renamed ${before.server.name} → ${after.server.name}`);
    compareText('title', before.server.title, after.server.title, server);
    compareText('description', before.server.description, after.server.description, server);
    compareText('instructions', before.server.instructions, after.server.instructions, server);
    compareEntries<ContractTool>(
      'tool',
      (t) => t.name,
      before.tools,
      after.tools,
      compareTool,
      changes,
      (removed) => {
        const removeIn = removed.deprecated && parseSemver(removed.deprecated.removeIn);
        if (removed.deprecated && removeIn && newVersion && compareSemver(newVersion, removeIn) < 0) {
          refusals.push(
            `tool ${removed.name} is deprecated with removal in ${removed.deprecated.removeIn}; it cannot be removed in ${after.server.version}`,
          );
        }
      },
    );
    compareEntries<ContractResource>(
      'resource',
      (r) => r.uri,
      before.resources,
      after.resources,
      compareResource,
      changes,
    );
    compareEntries<ContractResourceTemplate>(
      'resourceTemplate',
      (r) => r.uriTemplate,
      before.resourceTemplates,
      after.resourceTemplates,
      compareResource,
      changes,
    );
    compareEntries<ContractPrompt>(
      'prompt',
      (p) => p.name,
      before.prompts,
      after.prompts,
      comparePrompt,
      changes,
    );
  }
  checkDeprecations(before, after, refusals);
  let level: ChangeLevel | 'none' = 'none';
  for (const change of changes) if (LEVEL_ORDER[change.level] > LEVEL_ORDER[level]) level = change.level;
  return { changes, refusals, level };
}
