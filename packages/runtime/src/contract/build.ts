import { readFileSync } from 'node:fs';
import { type CallKind, Dispatcher, type Policy, type ServerDefinition } from '@mcp-platform/protocol';
import { withApprovalArgument } from '../approvals/with-approval-argument.ts';
import { canonicalJson, sha256Hex } from '../audit/canonical-json.ts';
import { requiredScopes } from '../auth/scopes.ts';
import {
  CONTRACT_FORMAT,
  type Contract,
  type ContractPrompt,
  type ContractResource,
  type ContractResourceTemplate,
  type ContractTool,
} from './model.ts';

export interface ContractOptions {
  /** Prefix of the default scopes (OAUTH_SCOPE_PREFIX); default: the server name. */
  scopePrefix?: string | undefined;
  /**
   * Whether approval-gated tools take the `approvalId` argument, as they do whenever approvals run
   * (default true: the production shape, which the committed contract records).
   */
  approvals?: boolean;
}

/** `sha256:<hex>` of the canonical JSON of a value. */
export function contentHash(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}

function withHash<T extends object>(entry: T): T & { hash: string } {
  return { ...entry, hash: contentHash(entry) };
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

function scopesOf(
  kind: CallKind,
  policy: Policy | undefined,
  prefix: string,
  annotations?: ContractTool['annotations'],
): string[] {
  return [...requiredScopes(kind, policy ?? {}, annotations, prefix)].sort();
}

/** The catalog hash: identity, instructions and every entry's hash; the version is left out on purpose. */
export function catalogHashOf(contract: Omit<Contract, 'catalogHash' | 'format'>): string {
  const { version: _version, ...identity } = contract.server;
  return contentHash({
    server: identity,
    tools: contract.tools.map((t) => [t.name, t.hash]),
    resources: contract.resources.map((r) => [r.uri, r.hash]),
    resourceTemplates: contract.resourceTemplates.map((r) => [r.uriTemplate, r.hash]),
    prompts: contract.prompts.map((p) => [p.name, p.hash]),
  });
}

/**
 * A server's contract, from its definition alone (no backend is touched): the same descriptors
 * tools/list, resources/templates/list and prompts/list serve, plus the policy the runtime enforces.
 */
export function buildContract(definition: ServerDefinition, options: ContractOptions = {}): Contract {
  const prefix = options.scopePrefix ?? definition.name;
  const shaped: ServerDefinition =
    options.approvals === false
      ? definition
      : { ...definition, tools: definition.tools?.map((tool) => withApprovalArgument(tool)) };
  const { catalog } = new Dispatcher(shaped);

  const tools = catalog.tools
    .map(({ def, descriptor }): ContractTool => {
      const policy = def.policy ?? {};
      return withHash({
        ...(descriptor as Omit<ContractTool, 'scopes' | 'approval' | 'rateLimitPerMinute' | 'sensitive'>),
        scopes: scopesOf('tool', policy, prefix, def.annotations),
        approval: policy.approval ?? 'none',
        ...(policy.approval === 'confirm' && policy.agentMayConfirm === true
          ? { agentMayConfirm: true as const }
          : {}),
        rateLimitPerMinute: policy.rateLimitPerMinute ?? null,
        sensitive: [...(policy.sensitive ?? [])].sort(),
        ...(def.deprecated === undefined ? {} : { deprecated: { ...def.deprecated } }),
      });
    })
    .sort(byKey((t) => t.name));
  const resources = catalog.resources
    .map(
      (def): ContractResource =>
        withHash({
          uri: def.uri,
          name: def.name,
          ...(def.title === undefined ? {} : { title: def.title }),
          ...(def.description === undefined ? {} : { description: def.description }),
          ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
          scopes: scopesOf('resource', def.policy, prefix),
        }),
    )
    .sort(byKey((r) => r.uri));
  const resourceTemplates = catalog.resourceTemplates
    .map(
      ({ def, descriptor }): ContractResourceTemplate =>
        withHash({
          ...(descriptor as Omit<ContractResourceTemplate, 'scopes' | 'hash'>),
          scopes: scopesOf('resource', def.policy, prefix),
        }),
    )
    .sort(byKey((r) => r.uriTemplate));
  const prompts = catalog.prompts
    .map(({ def, descriptor }): ContractPrompt => {
      const { arguments: args, ...rest } = descriptor as Omit<ContractPrompt, 'scopes' | 'hash'>;
      return withHash({ ...rest, arguments: args ?? [], scopes: scopesOf('prompt', def.policy, prefix) });
    })
    .sort(byKey((p) => p.name));

  const body = {
    server: {
      name: definition.name,
      ...(definition.title === undefined ? {} : { title: definition.title }),
      ...(definition.description === undefined ? {} : { description: definition.description }),
      version: definition.version,
      ...(definition.instructions === undefined ? {} : { instructions: definition.instructions }),
    },
    tools,
    resources,
    resourceTemplates,
    prompts,
  };
  return { format: CONTRACT_FORMAT, ...body, catalogHash: catalogHashOf(body) };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The committed form: keys sorted at every level, two-space indent, final newline (same input, same bytes). */
export function contractText(contract: Contract): string {
  return `${JSON.stringify(sortKeys(contract), null, 2)}\n`;
}

/** The `version` of a package.json (e.g. `new URL('../package.json', import.meta.url)` from a server's app). */
export function packageVersion(packageJson: URL): string {
  const parsed = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
  if (typeof parsed.version !== 'string') throw new Error(`${packageJson.pathname} has no "version"`);
  return parsed.version;
}

/**
 * A stand-in for a backend a definition closes over, for building the contract without one: any use
 * throws. Tool factories only capture their dependencies; handlers never run during generation.
 */
export function offlineDependency<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === 'then') return undefined;
      throw new Error(`${what} is not available while generating the contract (used: ${String(property)})`);
    },
  });
}
