import type { ErrorCode } from '@mcp-platform/protocol';

/**
 * The knowledge server's errors of ingestion and start-up (tool-level failures are `ToolError`s).
 * Every code is registered in @mcp-platform/protocol's ERROR_CODES and documented in docs/errors.md.
 */

/** Why a document was refused by ingestion. Reported per document; the rest of a batch goes on. */
export const REJECTION_CODES = [
  'EMPTY',
  'BINARY',
  'TOO_LARGE',
  'INVALID_ENCODING',
  'UNSUPPORTED_TYPE',
  'NO_TEXT',
  'TOO_MANY_CHUNKS',
  /** Nested too deeply, too many elements, or parsing exceeded its time budget. */
  'TOO_COMPLEX',
  'INVALID_METADATA',
  'EMBEDDING_FAILED',
  'SOURCE_ERROR',
  'DATABASE_ERROR',
] as const satisfies readonly ErrorCode[];

export type RejectionCode = (typeof REJECTION_CODES)[number];

export class DocumentRejectedError extends Error {
  readonly code: RejectionCode;

  constructor(code: RejectionCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocumentRejectedError';
    this.code = code;
  }
}

/** The index schema does not match the configuration (e.g. EMBEDDING_DIMENSIONS changed). */
export class IndexSchemaError extends Error {
  readonly code = 'INDEX_SCHEMA_MISMATCH';

  constructor(message: string) {
    super(message);
    this.name = 'IndexSchemaError';
  }
}

/** A remote source (Confluence, an embedding endpoint) failed. `retryable` says whether trying again may help. */
export class SourceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
