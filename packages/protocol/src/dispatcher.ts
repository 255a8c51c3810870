import { UriTemplate } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { abortError, callSignal, raceSignal, runWithCallSignal } from './deadline.ts';
import type {
  CallContext,
  Caller,
  ContentResult,
  Policy,
  PromptDefinition,
  ResourceContents,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ServerDefinition,
  ToolAnnotations,
  ToolDefinition,
} from './definitions.ts';
import { advertisedDescription } from './definitions.ts';
import { errorSpec } from './error-codes.ts';
import { newErrorReference, RpcCode, RpcError, ToolError } from './errors.ts';
import { uncarriableText } from './input-safety.ts';
import { decodeCursor, page } from './pagination.ts';
import { DEFAULT_MAX_RESULT_BYTES, fitResult, type ResultPaging, TRIMMED_META_KEY } from './result-size.ts';
import { isUnavailability, OutageLog, upstreamUnavailable } from './unavailable.ts';

export type CallKind = 'tool' | 'resource' | 'prompt';

/** One tools/call, resources/read or prompts/get as the interceptor chain sees it. */
export interface CallInfo {
  kind: CallKind;
  /** Tool or prompt name, or the resource URI. */
  name: string;
  /** For resources read through a template: the template's name. */
  definitionName: string;
  policy: Policy;
  annotations: ToolAnnotations | undefined;
  /** Arguments as sent by the client (attacker-controlled). */
  rawArgs: Record<string, unknown>;
  /** Arguments after schema validation; undefined when validation failed (see `invalid`). */
  args: Record<string, unknown> | undefined;
  /** The error result a failed validation produces; the chain's end returns it instead of calling the handler. */
  invalid: ContentResult | undefined;
  ctx: CallContext;
  /** 2026-07-28 multi round-trip: the client's answers to our `inputRequests`, keyed by our ids. */
  inputResponses: Record<string, unknown> | undefined;
  /** 2026-07-28 multi round-trip: the verified payload of the `requestState` we minted earlier. */
  requestState: unknown;
  /** Backend records the call touched (filled through `ctx.touch`). */
  touched: string[];
  /** The tool definition (tools only): its preview, output schema and policy. */
  tool: ToolDefinition | undefined;
}

export type CallOutcome = Record<string, unknown>;
export type Interceptor = (call: CallInfo, next: () => Promise<CallOutcome>) => Promise<CallOutcome>;

export interface DispatcherOptions {
  /** Page size for tools/list, resources/list, resources/templates/list and prompts/list. */
  pageSize?: number;
  /** Default time limit for one call; a definition's `policy.timeoutMs` overrides it. */
  callTimeoutMs?: number;
  /** Around every tools/call, resources/read and prompts/get, outermost first. */
  interceptors?: readonly Interceptor[];
  /** Whether a caller may see (and so call) a definition; default: everything is visible. */
  isVisible?: (kind: CallKind, policy: Policy, caller: Caller, annotations?: ToolAnnotations) => boolean;
  /** `_meta` every tools/list result carries (e.g. the catalog hash); the same for every caller and page. */
  toolsListMeta?: Readonly<Record<string, unknown>>;
  /** Cap on one structured tool result (bytes of its text or its structured content); default 32 KiB. */
  maxResultBytes?: number;
}

/** The unfiltered descriptors tools/list, resources/templates/list and prompts/list are built from. */
export interface CatalogDescriptors {
  tools: ReadonlyArray<{ def: ToolDefinition; descriptor: Readonly<Record<string, unknown>> }>;
  resources: readonly ResourceDefinition[];
  resourceTemplates: ReadonlyArray<{
    def: ResourceTemplateDefinition;
    descriptor: Readonly<Record<string, unknown>>;
  }>;
  prompts: ReadonlyArray<{ def: PromptDefinition; descriptor: Readonly<Record<string, unknown>> }>;
}

interface ToolEntry {
  def: ToolDefinition;
  descriptor: Record<string, unknown>;
}

interface TemplateEntry {
  def: ResourceTemplateDefinition;
  template: UriTemplate;
  descriptor: Record<string, unknown>;
}

interface PromptEntry {
  def: PromptDefinition;
  descriptor: Record<string, unknown>;
}

const EMPTY_POLICY: Policy = Object.freeze({});

/**
 * Every failed call carries `{code, message, retryable, hint}` as structured content. Clients check
 * structured content against the advertised output schema even on `isError` results (SDK v1 does),
 * so a tool's advertised schema admits either its own output or this error shape.
 */
const TOOL_ERROR_JSON_SCHEMA = Object.freeze({
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    hint: { type: 'string' },
  },
  required: ['code', 'message', 'retryable'],
});

function advertisedOutputSchema(output: z.ZodType): Record<string, unknown> {
  return { type: 'object', anyOf: [jsonSchemaOf(output, 'output'), TOOL_ERROR_JSON_SCHEMA] };
}

/** JSON Schema for a zod schema, without `$schema` (older clients' validators reject the 2020-12 URI). */
/**
 * JSON Schema 2020-12 for a zod schema. Input schemas keep `$schema` (2025-11-25 requires it to be
 * preserved); output schemas drop it because clients compile them with validators that reject the
 * 2020-12 meta-schema URI.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  if (io === 'output') delete json.$schema;
  return json;
}

function issuesText(error: z.ZodError): { text: string; issues: Array<{ path: string; message: string }> } {
  const issues = error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(arguments)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
  return { text: issues.map((i) => `\`${i.path}\`: ${i.message}`).join('; '), issues };
}

function toolErrorResult(error: ToolError): ContentResult {
  const content = error.toContent();
  const hint = error.hint === undefined ? '' : ` Hint: ${error.hint}`;
  return {
    content: [{ type: 'text', text: `Error ${error.code}: ${error.message}${hint}` }],
    structuredContent: content,
    isError: true,
  };
}

/** Protocol-level refusal (-32602) of text no backend can carry (NUL, control characters, bad Unicode). */
function rejectUncarriable(value: unknown, what: string): void {
  const bad = uncarriableText(value);
  if (bad) {
    throw new RpcError(RpcCode.InvalidParams, `Invalid ${what}: \`${bad.path}\` ${bad.problem}; remove it`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The transport-neutral core of an MCP server: tool, resource and prompt tables built once at
 * start-up, and one method per MCP operation. Both the SDK path and the fast path call it, so the
 * two can never disagree about what a tool does.
 */
export class Dispatcher {
  readonly definition: ServerDefinition;
  private readonly tools = new Map<string, ToolEntry>();
  private readonly toolList: ToolEntry[] = [];
  private readonly resources = new Map<string, ResourceDefinition>();
  private readonly resourceList: ResourceDefinition[] = [];
  private readonly templates: TemplateEntry[] = [];
  private readonly prompts = new Map<string, PromptEntry>();
  private readonly promptList: PromptEntry[] = [];
  private readonly pageSize: number;
  private readonly callTimeoutMs: number;
  private readonly interceptors: readonly Interceptor[];
  private readonly isVisible: NonNullable<DispatcherOptions['isVisible']>;
  /** The full tools/list array when visibility does not depend on the caller. */
  private readonly everyoneSeesAll: boolean;
  private readonly outages = new OutageLog();
  private readonly toolsListMeta: Readonly<Record<string, unknown>> | undefined;
  private readonly maxResultBytes: number;

  constructor(definition: ServerDefinition, options: DispatcherOptions = {}) {
    this.definition = definition;
    this.pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${String(options.pageSize)}`);
    }
    this.callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.interceptors = options.interceptors ?? [];
    this.isVisible = options.isVisible ?? (() => true);
    this.everyoneSeesAll = options.isVisible === undefined;
    this.toolsListMeta = options.toolsListMeta;
    this.maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;

    for (const def of definition.tools ?? []) {
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
        throw new Error(`Tool name "${def.name}" is invalid: use 1-128 letters, digits, '_', '-' or '.'`);
      }
      if (this.tools.has(def.name)) throw new Error(`Tool "${def.name}" is defined twice`);
      const descriptor: Record<string, unknown> = {
        name: def.name,
        ...(def.title === undefined ? {} : { title: def.title }),
        description: advertisedDescription(def),
        inputSchema: jsonSchemaOf(def.input, 'input'),
        ...(def.output === undefined ? {} : { outputSchema: advertisedOutputSchema(def.output) }),
        ...(def.annotations === undefined ? {} : { annotations: { ...def.annotations } }),
      };
      const entry = { def, descriptor };
      this.tools.set(def.name, entry);
      this.toolList.push(entry);
    }
    for (const def of definition.resources ?? []) {
      if (this.resources.has(def.uri)) throw new Error(`Resource "${def.uri}" is defined twice`);
      this.resources.set(def.uri, def);
      this.resourceList.push(def);
    }
    for (const def of definition.resourceTemplates ?? []) {
      this.templates.push({
        def,
        template: new UriTemplate(def.uriTemplate),
        descriptor: {
          uriTemplate: def.uriTemplate,
          name: def.name,
          ...(def.title === undefined ? {} : { title: def.title }),
          ...(def.description === undefined ? {} : { description: def.description }),
          ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
        },
      });
    }
    for (const def of definition.prompts ?? []) {
      if (this.prompts.has(def.name)) throw new Error(`Prompt "${def.name}" is defined twice`);
      const args = def.args
        ? Object.entries(def.args.shape).map(([name, schema]) => {
            const s = schema as z.ZodType;
            return {
              name,
              ...(s.description === undefined ? {} : { description: s.description }),
              required: !s.safeParse(undefined).success,
            };
          })
        : undefined;
      const entry: PromptEntry = {
        def,
        descriptor: {
          name: def.name,
          ...(def.title === undefined ? {} : { title: def.title }),
          ...(def.description === undefined ? {} : { description: def.description }),
          ...(args === undefined ? {} : { arguments: args }),
        },
      };
      this.prompts.set(def.name, entry);
      this.promptList.push(entry);
    }
  }

  /** Every descriptor as built at start-up, regardless of callers (for the server's contract). */
  get catalog(): CatalogDescriptors {
    return {
      tools: this.toolList,
      resources: this.resourceList,
      resourceTemplates: this.templates,
      prompts: this.promptList,
    };
  }

  get capabilities(): Record<string, unknown> {
    return {
      ...(this.toolList.length > 0 ? { tools: { listChanged: false } } : {}),
      ...(this.resourceList.length + this.templates.length > 0
        ? { resources: { listChanged: false, subscribe: this.definition.resourceSubscriptions === true } }
        : {}),
      ...(this.definition.clientLogging ? { logging: {} } : {}),
      ...(this.promptList.length > 0 ? { prompts: { listChanged: false } } : {}),
      ...(this.templates.some((t) => t.def.complete) || this.promptList.some((p) => p.def.complete)
        ? { completions: {} }
        : {}),
    };
  }

  /** The policy and annotations a tools/call, prompts/get or resources/read would run under (for HTTP-level checks). */
  lookup(
    method: string,
    params: unknown,
  ): { kind: CallKind; name: string; policy: Policy; annotations?: ToolAnnotations } | undefined {
    if (!isRecord(params)) return undefined;
    if (method === 'tools/call' && typeof params.name === 'string') {
      const entry = this.tools.get(params.name);
      return (
        entry && {
          kind: 'tool',
          name: params.name,
          policy: entry.def.policy ?? EMPTY_POLICY,
          annotations: entry.def.annotations,
        }
      );
    }
    if (method === 'prompts/get' && typeof params.name === 'string') {
      const entry = this.prompts.get(params.name);
      return entry && { kind: 'prompt', name: params.name, policy: entry.def.policy ?? EMPTY_POLICY };
    }
    if (method === 'resources/read' && typeof params.uri === 'string') {
      const found = this.findResource(params.uri);
      return found && { kind: 'resource', name: params.uri, policy: found.policy ?? EMPTY_POLICY };
    }
    if (method === 'completion/complete' && isRecord(params.ref)) {
      if (params.ref.type !== 'ref/prompt' && params.ref.type !== 'ref/resource') return undefined;
      const target = this.completionTarget(params.ref);
      return (
        target && {
          kind: target.kind,
          name: `complete:${target.name}`,
          policy: target.policy ?? EMPTY_POLICY,
        }
      );
    }
    return undefined;
  }

  /** Whether a tools/call or prompts/get may talk to the client mid-call (then only the SDK path serves it). */
  isInteractive(method: string, name: unknown): boolean {
    if (typeof name !== 'string') return false;
    if (method === 'tools/call') return this.tools.get(name)?.def.interactive === true;
    if (method === 'prompts/get') return this.prompts.get(name)?.def.interactive === true;
    return false;
  }

  /** Whether a resource URI is served (for subscriptions). */
  hasResource(uri: string): boolean {
    return this.findResource(uri) !== undefined;
  }

  /** Whether a tool exists (the fast path declines approval-gated tools; the SDK path serves them). */
  toolPolicy(name: string): Policy | undefined {
    const entry = this.tools.get(name);
    return entry ? (entry.def.policy ?? EMPTY_POLICY) : undefined;
  }

  listTools(params: unknown, caller: Caller): Record<string, unknown> {
    const visible = this.everyoneSeesAll
      ? this.toolList
      : this.toolList.filter((t) =>
          this.isVisible('tool', t.def.policy ?? EMPTY_POLICY, caller, t.def.annotations),
        );
    const offset = decodeCursor('tools', isRecord(params) ? params.cursor : undefined);
    const { items, nextCursor } = page('tools', visible, offset, this.pageSize);
    return {
      tools: items.map((t) => t.descriptor),
      ...(nextCursor ? { nextCursor } : {}),
      ...(this.toolsListMeta === undefined ? {} : { _meta: { ...this.toolsListMeta } }),
    };
  }

  listPrompts(params: unknown, caller: Caller): Record<string, unknown> {
    const visible = this.promptList.filter((p) =>
      this.isVisible('prompt', p.def.policy ?? EMPTY_POLICY, caller),
    );
    const offset = decodeCursor('prompts', isRecord(params) ? params.cursor : undefined);
    const { items, nextCursor } = page('prompts', visible, offset, this.pageSize);
    return { prompts: items.map((p) => p.descriptor), ...(nextCursor ? { nextCursor } : {}) };
  }

  listResourceTemplates(params: unknown, caller: Caller): Record<string, unknown> {
    const visible = this.templates.filter((t) =>
      this.isVisible('resource', t.def.policy ?? EMPTY_POLICY, caller),
    );
    const offset = decodeCursor('templates', isRecord(params) ? params.cursor : undefined);
    const { items, nextCursor } = page('templates', visible, offset, this.pageSize);
    return { resourceTemplates: items.map((t) => t.descriptor), ...(nextCursor ? { nextCursor } : {}) };
  }

  async listResources(params: unknown, ctx: CallContext): Promise<Record<string, unknown>> {
    const all: Array<Record<string, unknown>> = [];
    for (const def of this.resourceList) {
      if (!this.isVisible('resource', def.policy ?? EMPTY_POLICY, ctx.caller)) continue;
      all.push({
        uri: def.uri,
        name: def.name,
        ...(def.title === undefined ? {} : { title: def.title }),
        ...(def.description === undefined ? {} : { description: def.description }),
        ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
      });
    }
    for (const { def } of this.templates) {
      if (!def.list || !this.isVisible('resource', def.policy ?? EMPTY_POLICY, ctx.caller)) continue;
      for (const r of await def.list(ctx)) {
        all.push({ ...r, ...(def.mimeType && !r.mimeType ? { mimeType: def.mimeType } : {}) });
      }
    }
    const offset = decodeCursor('resources', isRecord(params) ? params.cursor : undefined);
    const { items, nextCursor } = page('resources', all, offset, this.pageSize);
    return { resources: items, ...(nextCursor ? { nextCursor } : {}) };
  }

  async callTool(params: unknown, ctx: CallContext, round: RoundInput = {}): Promise<CallOutcome> {
    if (!isRecord(params) || typeof params.name !== 'string') {
      throw new RpcError(RpcCode.InvalidParams, 'tools/call needs params.name (string): the tool to call');
    }
    const entry = this.tools.get(params.name);
    if (
      !entry ||
      !this.isVisible('tool', entry.def.policy ?? EMPTY_POLICY, ctx.caller, entry.def.annotations)
    ) {
      throw new RpcError(
        RpcCode.InvalidParams,
        `Unknown tool: ${params.name}. Call tools/list to see the tools available to you.`,
      );
    }
    const { def } = entry;
    const rawArgs = params.arguments === undefined ? {} : params.arguments;
    let args: Record<string, unknown> | undefined;
    let invalid: ContentResult | undefined;
    if (!isRecord(rawArgs)) {
      invalid = toolErrorResult(
        new ToolError(
          'INVALID_ARGUMENTS',
          `Invalid arguments for tool ${def.name}: arguments must be an object`,
          {
            hint: 'Pass the arguments as a JSON object matching the tool input schema.',
          },
        ),
      );
    } else if (uncarriableText(rawArgs)) {
      const bad = uncarriableText(rawArgs) as { path: string; problem: string };
      invalid = toolErrorResult(
        new ToolError(
          'INVALID_ARGUMENTS',
          `Invalid arguments for tool ${def.name}: \`${bad.path}\` ${bad.problem}`,
          {
            hint: 'Remove control characters (NUL...) and invalid Unicode from the arguments and call again.',
            details: { issues: [{ path: bad.path, message: bad.problem }] },
          },
        ),
      );
    } else {
      const parsed = def.input.safeParse(rawArgs);
      if (parsed.success) {
        args = parsed.data as Record<string, unknown>;
      } else {
        const { text, issues } = issuesText(parsed.error);
        invalid = toolErrorResult(
          new ToolError('INVALID_ARGUMENTS', `Invalid arguments for tool ${def.name}: ${text}`, {
            hint: 'Fix the named arguments (see the tool input schema) and call again.',
            details: { issues },
          }),
        );
      }
    }
    const call = this.newCall(
      'tool',
      def.name,
      def.name,
      def.policy,
      def.annotations,
      isRecord(rawArgs) ? rawArgs : {},
      args,
      invalid,
      ctx,
      round,
    );
    return this.run(call, async () => {
      if (call.invalid) return call.invalid as unknown as CallOutcome;
      return (await this.invokeTool(def, call.args ?? {}, call.ctx)) as unknown as CallOutcome;
    });
  }

  async readResource(params: unknown, ctx: CallContext, round: RoundInput = {}): Promise<CallOutcome> {
    if (!isRecord(params) || typeof params.uri !== 'string') {
      throw new RpcError(RpcCode.InvalidParams, 'resources/read needs params.uri (string)');
    }
    const uri = params.uri;
    rejectUncarriable(uri, 'resources/read uri');
    const found = this.findResource(uri);
    if (!found || !this.isVisible('resource', found.policy ?? EMPTY_POLICY, ctx.caller)) {
      throw new RpcError(
        RpcCode.InvalidParams,
        `Resource not found: ${uri}. Call resources/list or resources/templates/list.`,
        { uri },
      );
    }
    let variables: Record<string, string> = {};
    if (found.template) {
      const raw = found.template.template.match(uri) ?? {};
      variables = Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
      );
      if (found.template.def.variables) {
        const parsed = found.template.def.variables.safeParse(variables);
        if (!parsed.success) {
          throw new RpcError(
            RpcCode.InvalidParams,
            `Invalid resource URI ${uri}: ${issuesText(parsed.error).text}`,
            { uri },
          );
        }
        variables = parsed.data as Record<string, string>;
      }
    }
    const call = this.newCall(
      'resource',
      uri,
      found.name,
      found.policy,
      undefined,
      variables,
      variables,
      undefined,
      ctx,
      round,
    );
    return this.run(call, async () => {
      const contents: ResourceContents[] = found.template
        ? await found.template.def.read(uri, variables, call.ctx)
        : await found.resource!.read(call.ctx);
      return { contents };
    });
  }

  async getPrompt(params: unknown, ctx: CallContext, round: RoundInput = {}): Promise<CallOutcome> {
    if (!isRecord(params) || typeof params.name !== 'string') {
      throw new RpcError(RpcCode.InvalidParams, 'prompts/get needs params.name (string)');
    }
    const entry = this.prompts.get(params.name);
    if (!entry || !this.isVisible('prompt', entry.def.policy ?? EMPTY_POLICY, ctx.caller)) {
      throw new RpcError(
        RpcCode.InvalidParams,
        `Unknown prompt: ${params.name}. Call prompts/list to see the prompts available.`,
      );
    }
    const { def } = entry;
    const rawArgs = isRecord(params.arguments) ? params.arguments : {};
    rejectUncarriable(rawArgs, `prompt ${def.name}`);
    let args: Record<string, unknown> = rawArgs;
    if (def.args) {
      const parsed = def.args.safeParse(rawArgs);
      if (!parsed.success) {
        throw new RpcError(
          RpcCode.InvalidParams,
          `Invalid arguments for prompt ${def.name}: ${issuesText(parsed.error).text}`,
        );
      }
      args = parsed.data as Record<string, unknown>;
    }
    const call = this.newCall(
      'prompt',
      def.name,
      def.name,
      def.policy,
      undefined,
      rawArgs,
      args,
      undefined,
      ctx,
      round,
    );
    return this.run(
      call,
      async () => (await def.get(call.args as never, call.ctx)) as unknown as CallOutcome,
    );
  }

  /**
   * `completion/complete` runs as a call on what it completes (same visibility, interceptors —
   * authorization, rate limit, audit — and policy as the prompt or resource template), named
   * `complete:<prompt or template>`: a completion never reveals what the caller may not read.
   */
  async complete(params: unknown, ctx: CallContext): Promise<Record<string, unknown>> {
    if (!isRecord(params) || !isRecord(params.ref) || !isRecord(params.argument)) {
      throw new RpcError(RpcCode.InvalidParams, 'completion/complete needs params.ref and params.argument');
    }
    const target = this.completionTarget(params.ref);
    if (!target || !this.isVisible(target.kind, target.policy ?? EMPTY_POLICY, ctx.caller)) {
      throw new RpcError(
        RpcCode.InvalidParams,
        params.ref.type === 'ref/resource'
          ? `Unknown resource template: ${String(params.ref.uri)}`
          : `Unknown prompt: ${String(params.ref.name)}`,
      );
    }
    const argName = String(params.argument.name ?? '');
    const value = String(params.argument.value ?? '');
    rejectUncarriable({ [argName]: value }, 'completion/complete argument');
    const completer = target.complete?.[argName];
    const args = { argument: argName, value };
    const call = this.newCall(
      target.kind,
      `complete:${target.name}`,
      target.definitionName,
      target.policy,
      undefined,
      args,
      args,
      undefined,
      ctx,
      {},
    );
    const out = await this.run(call, async () => {
      const values = completer ? (await completer(value, call.ctx)).slice(0, 100) : [];
      return { completion: { values, total: values.length, hasMore: false } } as unknown as CallOutcome;
    });
    return out as unknown as Record<string, unknown>;
  }

  private completionTarget(ref: Record<string, unknown>):
    | {
        kind: CallKind;
        name: string;
        definitionName: string;
        policy: Policy | undefined;
        complete: Record<string, (value: string, ctx: CallContext) => Promise<string[]>> | undefined;
      }
    | undefined {
    if (ref.type === 'ref/prompt') {
      const entry = this.prompts.get(String(ref.name));
      return (
        entry && {
          kind: 'prompt',
          name: entry.def.name,
          definitionName: entry.def.name,
          policy: entry.def.policy,
          complete: entry.def.complete,
        }
      );
    }
    if (ref.type === 'ref/resource') {
      const entry = this.templates.find((t) => t.def.uriTemplate === ref.uri);
      return (
        entry && {
          kind: 'resource',
          name: entry.def.uriTemplate,
          definitionName: entry.def.name,
          policy: entry.def.policy,
          complete: entry.def.complete,
        }
      );
    }
    throw new RpcError(RpcCode.InvalidParams, 'params.ref.type must be ref/prompt or ref/resource');
  }

  private findResource(
    uri: string,
  ):
    | { name: string; policy: Policy | undefined; resource?: ResourceDefinition; template?: TemplateEntry }
    | undefined {
    const direct = this.resources.get(uri);
    if (direct) return { name: direct.name, policy: direct.policy, resource: direct };
    for (const t of this.templates) {
      if (t.template.match(uri)) return { name: t.def.name, policy: t.def.policy, template: t };
    }
    return undefined;
  }

  private newCall(
    kind: CallKind,
    name: string,
    definitionName: string,
    policy: Policy | undefined,
    annotations: ToolAnnotations | undefined,
    rawArgs: Record<string, unknown>,
    args: Record<string, unknown> | undefined,
    invalid: ContentResult | undefined,
    ctx: CallContext,
    round: RoundInput,
  ): CallInfo {
    const touched: string[] = [];
    const effective = policy ?? EMPTY_POLICY;
    const timeoutMs = effective.timeoutMs ?? this.callTimeoutMs;
    const limit = callSignal(ctx.signal, timeoutMs);
    const call: CallInfo = {
      kind,
      name,
      definitionName,
      policy: effective,
      annotations,
      rawArgs,
      args,
      invalid,
      ctx: {
        ...ctx,
        signal: limit.signal,
        touch: (ref) => touched.push(ref),
      },
      inputResponses: round.inputResponses,
      requestState: round.requestState,
      touched,
      tool: kind === 'tool' ? this.tools.get(definitionName)?.def : undefined,
    };
    disposers.set(call, limit.dispose);
    return call;
  }

  /** Runs the interceptor chain around `terminal`, turning failures into the right result or error. */
  private async run(call: CallInfo, terminal: () => Promise<CallOutcome>): Promise<CallOutcome> {
    const chain = this.interceptors;
    // The handler runs with its call signal as the current one (backend clients abort their
    // requests with it) and is raced against it: at the deadline the interceptors (audit, metrics)
    // see TIMEOUT and the client is answered, even if the handler ignores its signal.
    const handle = (): Promise<CallOutcome> => {
      const signal = call.ctx.signal;
      return runWithCallSignal(signal, () => raceSignal(terminal(), signal));
    };
    const dispatch = (i: number): Promise<CallOutcome> => {
      const interceptor = chain[i];
      return interceptor ? interceptor(call, () => dispatch(i + 1)) : handle();
    };
    try {
      const out = await dispatch(0);
      if (out.isError !== true) this.outages.succeeded(call.ctx.log, call.definitionName);
      return out;
    } catch (error) {
      return this.failure(call, error);
    } finally {
      disposers.get(call)?.();
    }
  }

  private failure(call: CallInfo, error: unknown): CallOutcome {
    if (error instanceof RpcError) throw error;
    let toolError: ToolError;
    if (error instanceof ToolError) {
      toolError = error;
    } else if (call.ctx.signal.aborted) {
      toolError = abortError(call.ctx.signal.reason);
    } else if (isUnavailability(error)) {
      // A transient outage, not a bug: retryable, and one log line per outage instead of a stack per call.
      this.outages.failed(call.ctx.log, call.definitionName, error);
      toolError = upstreamUnavailable(error);
    } else {
      const reference = newErrorReference();
      call.ctx.log.error(
        { err: error, reference, kind: call.kind, name: call.name },
        'unexpected failure in handler',
      );
      toolError = new ToolError('INTERNAL_ERROR', `Unexpected server error (reference ${reference})`, {
        retryable: false,
        hint: 'Report the reference to the platform team; retrying is unlikely to help.',
        details: { reference },
      });
    }
    if (call.kind === 'tool') return toolErrorResult(toolError) as unknown as CallOutcome;
    const code = errorSpec(toolError.code).rpc ?? RpcCode.InternalError;
    throw new RpcError(code, toolError.message, toolError.toContent());
  }

  private async invokeTool(
    def: ToolDefinition,
    args: Record<string, unknown>,
    ctx: CallContext,
  ): Promise<ContentResult> {
    if (def.output === undefined) {
      return def.handler(args as never, ctx);
    }
    const raw = await def.handler(args as never, ctx);
    const parsed = def.output.safeParse(raw);
    if (!parsed.success) {
      const reference = newErrorReference();
      ctx.log.error(
        { reference, tool: def.name, issues: parsed.error.issues },
        'tool returned data that does not match its output schema',
      );
      throw new ToolError('INTERNAL_ERROR', `The tool produced an invalid result (reference ${reference})`, {
        details: { reference },
      });
    }
    const fitted = fitResult({
      structured: parsed.data as Record<string, unknown>,
      render: (s) => (def.render ? def.render(s as never) : JSON.stringify(s)),
      schema: def.output,
      args,
      paging: def.paging as ResultPaging<never, never> | undefined,
      maxBytes: this.maxResultBytes,
    });
    if (fitted.trimmed)
      ctx.log.info({ tool: def.name, ...fitted.trimmed }, 'tool result trimmed to the size limit');
    return {
      content: [{ type: 'text', text: fitted.text }],
      structuredContent: fitted.structured,
      ...(fitted.trimmed ? { _meta: { [TRIMMED_META_KEY]: fitted.trimmed } } : {}),
    };
  }
}

/** Releases a finished call's timer and its listener on the request signal. */
const disposers = new WeakMap<CallInfo, () => void>();

export interface RoundInput {
  inputResponses?: Record<string, unknown> | undefined;
  requestState?: unknown;
}
