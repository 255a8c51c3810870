import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { ResultPaging } from './result-size.ts';

/** Which wire generation a request arrived on. */
export type ProtocolEra = '2026' | '2025' | '2024-sse';

/** The authenticated principal behind a request. The runtime fills it in; without auth it is anonymous. */
export interface Caller {
  /** Stable subject identifier (`sub` claim, service-token name, or `anonymous`). */
  subject: string;
  kind: 'user' | 'service' | 'anonymous';
  /** OAuth client id (`azp`/`client_id`) when known. */
  clientId?: string;
  /** Granted scopes (and role/group values mapped to scopes by the runtime). */
  scopes: readonly string[];
  /** Verified token claims; never the raw token. */
  claims: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Caller = Object.freeze({
  subject: 'anonymous',
  kind: 'anonymous',
  scopes: Object.freeze([]) as readonly string[],
  claims: Object.freeze({}),
});

/** The MCP client on the other end, as it described itself. */
export interface ClientInfo {
  era: ProtocolEra;
  protocolVersion: string;
  name?: string;
  version?: string;
  capabilities?: Record<string, unknown>;
}

/** Per-call context handed to every tool, resource and prompt handler. */
export interface CallContext {
  /** Logger bound to the request and correlation ids (and the tool name). */
  log: FastifyBaseLogger;
  /** Fires when the client cancels or closes the response stream, or the call times out. */
  signal: AbortSignal;
  /** Report progress; streamed to the client as `notifications/progress` when it asked for progress. */
  progress: (progress: number, total?: number, message?: string) => void;
  caller: Caller;
  client: ClientInfo;
  /** Correlation id of this call (the HTTP request id; echoed in logs and audit). */
  correlationId: string;
  /** W3C `traceparent` of the incoming request, to pass on to backends. */
  traceparent?: string;
  /** W3C `tracestate` that came with `traceparent` (vendor trace data, as claimed by the client). */
  tracestate?: string;
  /** Where the trace context came from: the request's `_meta` (MCP 2026-07-28, SEP-414) or HTTP headers. */
  traceSource?: 'meta' | 'header';
  /** The 2025-era `Mcp-Session-Id` the request carried, after the server verified it as its own. */
  sessionId?: string;
  /**
   * Set by the approvals interceptor when a `confirm`/`approver` call runs: the request id and the
   * person who approved it (the requester for `confirm`), so a write can name them in the record.
   */
  approval?: { id: string; policy: 'confirm' | 'approver'; approvedBy: string };
  /** Record a backend record a write touched (e.g. `salesforce:Task/00T...`); lands in the audit trail. */
  touch: (recordRef: string) => void;
  /**
   * Send a log message to the client (`notifications/message`), honouring the level it asked for.
   * Only for tools/prompts marked `interactive`; deprecated in 2026-07-28 — prefer the server log.
   */
  clientLog: (level: ClientLogLevel, data: unknown) => void;
}

export type ClientLogLevel =
  | 'debug'
  | 'info'
  | 'notice'
  | 'warning'
  | 'error'
  | 'critical'
  | 'alert'
  | 'emergency';

/** MCP tool annotations: hints for the host, never a security boundary. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** How a write is approved before it reaches a system of record. */
export type ApprovalPolicy = 'none' | 'confirm' | 'approver';

/**
 * Platform policy a definition declares about itself. The protocol package carries it; the runtime
 * enforces it (authorization, approvals, rate limits, audit redaction, timeouts).
 */
export interface Policy {
  /** Scopes a caller needs (any one of them). Defaults are derived from the read-only hint by the runtime. */
  scopes?: readonly string[];
  approval?: ApprovalPolicy;
  /**
   * Opt-out for low-risk `confirm` writes only: the agent calling again with the approval id counts as
   * the user's confirmation (the flow before the approvals console). Off by default: without it a
   * person confirms inline (elicitation) or in the console. Never applies to `approver`.
   */
  agentMayConfirm?: boolean;
  /** Calls per minute per principal for this tool (overrides the server default). */
  rateLimitPerMinute?: number;
  /** Argument paths (dot-separated) whose values are redacted in logs and audit. */
  sensitive?: readonly string[];
  /** Maximum run time; the handler's signal fires after it. */
  timeoutMs?: number;
}

export interface ContentResult {
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export type ContentBlock =
  | { type: 'text'; text: string; annotations?: Record<string, unknown>; _meta?: Record<string, unknown> }
  | { type: 'image'; data: string; mimeType: string; annotations?: Record<string, unknown> }
  | { type: 'audio'; data: string; mimeType: string; annotations?: Record<string, unknown> }
  | { type: 'resource'; resource: ResourceContents; annotations?: Record<string, unknown> }
  | {
      type: 'resource_link';
      uri: string;
      name: string;
      title?: string;
      description?: string;
      mimeType?: string;
    };

export type ResourceContents =
  | { uri: string; mimeType?: string; text: string; _meta?: Record<string, unknown> }
  | { uri: string; mimeType?: string; blob: string; _meta?: Record<string, unknown> };

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** What a write would change, shown to the person who must approve it. */
export interface ChangePreview {
  /** One or two sentences a person can approve or reject. */
  summary: string;
  /** The exact field changes, e.g. `{ StageName: { from: 'Prospecting', to: 'Negotiation' } }`. */
  changes: Record<string, unknown>;
  /** Records the write will touch, when known before it runs. */
  records?: string[];
  /** Total value of the change where there is one (a requisition, an order), shown to approvers. */
  total?: { amount: number; currency?: string };
  /**
   * How many distinct approvers an `approver` request needs (default 1), decided by the tool from the
   * arguments, e.g. a requisition above a value threshold needs two. Never the requester.
   */
  approvalsRequired?: number;
}

/**
 * A tool on its way out: it keeps working until `removeIn`, its description tells the model what to
 * use instead, and its calls are counted and logged with the caller (see docs/changing-a-tool.md).
 */
export interface Deprecation {
  /** The tool to use instead (a tool name of the same server), when there is one. */
  replacement?: string;
  /** The server version (semver) that may remove the tool: at least the next major version. */
  removeIn: string;
  /** One sentence for the model and for callers, e.g. what the replacement does better. */
  reason?: string;
}

interface ToolBase<I extends AnyObject> {
  /** snake_case business operation name, unique per server. */
  name: string;
  title?: string;
  /** Written for the model: what it returns, when to use it, its limits. */
  description: string;
  input: I;
  annotations?: ToolAnnotations;
  policy?: Policy;
  /**
   * The tool talks to the client mid-call: it sends client log messages, or an interceptor may ask the
   * client for input (`input_required`: elicitation, sampling, roots). Such calls are always served
   * by the SDK path, which owns those exchanges.
   */
  interactive?: boolean;
  /** Marks the tool deprecated: still served, described as such, counted, removable only from `removeIn`. */
  deprecated?: Deprecation;
  /** For tools with an approval policy: describe exactly what the call would change, without changing it. */
  preview?: (args: z.output<I>, ctx: CallContext) => Promise<ChangePreview>;
}

/** A tool with an output schema: the handler returns structured data; the platform adds a text rendering. */
export interface StructuredTool<I extends AnyObject = AnyObject, O extends AnyObject = AnyObject>
  extends ToolBase<I> {
  output: O;
  handler: (args: z.output<I>, ctx: CallContext) => Promise<z.input<O>>;
  /** Short text rendering of the structured result (defaults to pretty JSON). */
  render?: (result: z.output<O>) => string;
  /**
   * For list tools: how the result-size guard shortens the list and mints a cursor for the last item
   * it kept, so a trimmed result is resumable (result-size.ts).
   */
  paging?: ResultPaging<z.output<I>, PagedItem<z.output<O>>>;
}

/** The item type of any array field of a result. */
type PagedItem<O> = { [K in keyof O]: O[K] extends ReadonlyArray<infer T> ? T : never }[keyof O];

/** A tool without an output schema returns MCP content blocks itself (images, audio, embedded resources). */
export interface ContentTool<I extends AnyObject = AnyObject> extends ToolBase<I> {
  output?: undefined;
  handler: (args: z.output<I>, ctx: CallContext) => Promise<ContentResult>;
  render?: undefined;
}

export type ToolDefinition<I extends AnyObject = AnyObject, O extends AnyObject = AnyObject> =
  | StructuredTool<I, O>
  | ContentTool<I>;

/** Identity helpers that give definitions full type inference. */
export function defineTool<I extends AnyObject>(def: ContentTool<I>): ContentTool<I>;
export function defineTool<I extends AnyObject, O extends AnyObject>(
  def: StructuredTool<I, O>,
): StructuredTool<I, O>;
export function defineTool(def: ToolDefinition): ToolDefinition {
  return def;
}

export interface ResourceDefinition {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  policy?: Policy;
  read: (ctx: CallContext) => Promise<ResourceContents[]>;
}

export function defineResource(def: ResourceDefinition): ResourceDefinition {
  return def;
}

export interface ResourceTemplateDefinition {
  /** RFC 6570 level-1 template, e.g. `crm://accounts/{id}`. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  policy?: Policy;
  /** Validates the template variables; a failure answers -32602 naming the variable. */
  variables?: AnyObject;
  read: (uri: string, variables: Record<string, string>, ctx: CallContext) => Promise<ResourceContents[]>;
  /** Concrete resources to include in `resources/list` (optional, capped by the handler). */
  list?: (
    ctx: CallContext,
  ) => Promise<Array<{ uri: string; name: string; title?: string; mimeType?: string }>>;
  /** Completion values for a template variable. */
  complete?: Record<string, (value: string, ctx: CallContext) => Promise<string[]>>;
}

export function defineResourceTemplate(def: ResourceTemplateDefinition): ResourceTemplateDefinition {
  return def;
}

export interface PromptMessage {
  role: 'user' | 'assistant';
  content: ContentBlock;
}

export interface PromptDefinition<A extends AnyObject = AnyObject> {
  name: string;
  title?: string;
  description?: string;
  /** String arguments (MCP prompt arguments are strings); `.describe()` texts become argument descriptions. */
  args?: A;
  policy?: Policy;
  /** As for tools: the prompt sends client log messages or may answer `input_required`. */
  interactive?: boolean;
  get: (args: z.output<A>, ctx: CallContext) => Promise<{ description?: string; messages: PromptMessage[] }>;
  complete?: Record<string, (value: string, ctx: CallContext) => Promise<string[]>>;
}

export function definePrompt<A extends AnyObject>(def: PromptDefinition<A>): PromptDefinition<A> {
  return def;
}

/** Everything one server exposes. */
export interface ServerDefinition {
  name: string;
  /** Advertise the `logging` capability (client log messages via `ctx.clientLog`). */
  clientLogging?: boolean;
  /**
   * Advertise `resources.subscribe`: clients may subscribe to resource URIs; updates published
   * through the plugin's notifier reach 2026 `subscriptions/listen` streams.
   */
  resourceSubscriptions?: boolean;
  /** The server package's version (semver): `serverInfo.version`, the image tag and the contract's version. */
  version: string;
  title?: string;
  /** One line (at most 100 characters) for server cards and registry entries. */
  description?: string;
  /** Instructions for the model about the server as a whole. */
  instructions?: string;
  tools?: readonly ToolDefinition[];
  resources?: readonly ResourceDefinition[];
  resourceTemplates?: readonly ResourceTemplateDefinition[];
  prompts?: readonly PromptDefinition[];
}

/** The description tools/list advertises: the definition's own, plus the deprecation notice if any. */
export function advertisedDescription(def: Pick<ToolDefinition, 'description' | 'deprecated'>): string {
  const d = def.deprecated;
  if (d === undefined) return def.description;
  const instead = d.replacement === undefined ? '' : ` Use ${d.replacement} instead.`;
  const reason = d.reason === undefined ? '' : ` ${d.reason}`;
  return `DEPRECATED: removed in version ${d.removeIn}.${instead}${reason} ${def.description}`;
}
