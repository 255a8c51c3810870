import { randomUUID } from 'node:crypto';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

export { RpcCode } from './rpc-code.ts';

/** Structured content of every failed tool result: what went wrong, whether retrying helps, how to fix it. */
export interface ToolErrorContent {
  code: string;
  message: string;
  retryable: boolean;
  hint?: string;
  [key: string]: unknown;
}

export interface ToolErrorOptions {
  /** Default: the registry's `retryable` for the code. */
  retryable?: boolean;
  /** Default: the registry's hint for the code; give a more specific one when you can. */
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
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  /** `code` must be registered in `ERROR_CODES` (error-codes.ts); retryable and hint default from there. */
  constructor(code: ErrorCode, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.details = options.details;
  }

  toContent(): ToolErrorContent {
    return {
      ...this.details,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      hint: this.hint,
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
