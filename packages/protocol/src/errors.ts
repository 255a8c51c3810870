import { randomUUID } from 'node:crypto';

/** JSON-RPC and MCP error codes the platform emits on the wire. */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  HeaderMismatch: -32020,
} as const;

/** Structured content of every failed tool result: what went wrong, whether retrying helps, how to fix it. */
export interface ToolErrorContent {
  code: string;
  message: string;
  retryable: boolean;
  hint?: string;
  [key: string]: unknown;
}

export interface ToolErrorOptions {
  retryable?: boolean;
  hint?: string;
  /** Extra structured fields (e.g. `retryAfterSeconds`, `requiredScopes`). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An expected failure of a tool, resource or prompt: returned to the model as a result with
 * `isError: true` and structured content `{code, message, retryable, hint}` so it can correct itself.
 */
export class ToolError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.details = options.details;
  }

  toContent(): ToolErrorContent {
    return {
      ...this.details,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
    };
  }
}

/** A protocol-level failure answered as a JSON-RPC error (unknown tool, bad cursor, missing resource). */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** A reference id for an unexpected failure: logged with the error, returned to the caller instead of internals. */
export function newErrorReference(): string {
  return `err_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}
