/**
 * The knowledge server's error registry. Tool-level failures are `ToolError`s (see the tools);
 * these are the errors of ingestion and start-up, each with a stable code and a message naming the fix.
 */

/** Why a document was refused by ingestion. Reported per document; the rest of a batch goes on. */
export type RejectionCode =
  | 'EMPTY'
  | 'BINARY'
  | 'TOO_LARGE'
  | 'INVALID_ENCODING'
  | 'UNSUPPORTED_TYPE'
  | 'NO_TEXT'
  | 'TOO_MANY_CHUNKS'
  /** Nested too deeply, too many elements, or parsing exceeded its time budget. */
  | 'TOO_COMPLEX'
  | 'INVALID_METADATA'
  | 'EMBEDDING_FAILED'
  | 'SOURCE_ERROR'
  | 'DATABASE_ERROR';

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
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
