import type { ApprovalPolicy, Deprecation, ToolAnnotations } from '@mcp-platform/protocol';

/** Version of the contract file format (bumped only when the layout of contract.json changes). */
export const CONTRACT_FORMAT = 'mcp-platform.contract/1';

/** `_meta` key of the catalog hash in tools/list results. */
export const CATALOG_HASH_META_KEY = 'io.mcp-platform/catalogHash';

/** Where a server serves its contract (and, in it, the catalog hash). */
export const CONTRACT_PATH = '/.well-known/mcp-contract.json';

/** Where a server serves its MCP Registry `server.json`. */
export const SERVER_JSON_PATH = '/.well-known/mcp-registry/server.json';

export interface ContractTool {
  name: string;
  title?: string;
  /** As advertised in tools/list (a deprecated tool's notice included). */
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: ToolAnnotations;
  /** Scopes a caller needs (any one of them), after the runtime's defaults. */
  scopes: string[];
  approval: ApprovalPolicy;
  /** Present (true) when the agent's own re-call confirms a `confirm` write (the policy's opt-out). */
  agentMayConfirm?: true;
  /** Calls per minute per principal; null = the server's default (an operator setting). */
  rateLimitPerMinute: number | null;
  /** Argument paths redacted in logs and audit. */
  sensitive: string[];
  deprecated?: Deprecation;
  hash: string;
}

interface ContractResourceCommon {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  scopes: string[];
  hash: string;
}

export interface ContractResource extends ContractResourceCommon {
  uri: string;
}

export interface ContractResourceTemplate extends ContractResourceCommon {
  uriTemplate: string;
}

export interface ContractPromptArgument {
  name: string;
  description?: string;
  required: boolean;
}

export interface ContractPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments: ContractPromptArgument[];
  scopes: string[];
  hash: string;
}

export interface ContractServer {
  name: string;
  title?: string;
  description?: string;
  /** The server package's version when the contract was generated (not part of the catalog hash). */
  version: string;
  instructions?: string;
}

/** A server's catalog as reviewed: what the model reads, what callers send and get, and the policy around it. */
export interface Contract {
  format: typeof CONTRACT_FORMAT;
  server: ContractServer;
  /** `sha256:<hex>` over the server's identity, instructions and every entry's hash (not the version). */
  catalogHash: string;
  tools: ContractTool[];
  resources: ContractResource[];
  resourceTemplates: ContractResourceTemplate[];
  prompts: ContractPrompt[];
}

export type EntryKind = 'tool' | 'resource' | 'resourceTemplate' | 'prompt';
