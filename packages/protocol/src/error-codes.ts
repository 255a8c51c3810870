import { RpcCode } from './rpc-code.ts';

/**
 * How a failure counts in metrics, audit and logs. Only `error`, `timeout` and
 * `upstream_unavailable` are the server side's fault (they page); the others are the caller's
 * input, the caller's rights, a limit, or a human in the loop.
 */
export type OutcomeClass =
  | 'ok'
  /** Bad input, a record that does not exist, a stale cursor: the caller should change the request. */
  | 'client_error'
  /** The caller (or the integration user acting for it, or an approver) may not do this. */
  | 'denied'
  | 'rate_limited'
  /** A change waits for a human (confirmation or approver). */
  | 'approval_pending'
  /** A backend, store or the server itself cannot be reached right now. */
  | 'upstream_unavailable'
  /** A bug or misconfiguration on the server side. */
  | 'error'
  | 'timeout';

/** The outcome classes that count as server-side failures (the paging alert matches only these). */
export const SERVER_FAILURE_OUTCOMES: readonly OutcomeClass[] = ['error', 'timeout', 'upstream_unavailable'];

export interface ErrorCodeSpec {
  /** One sentence: what happened. */
  readonly meaning: string;
  readonly outcome: Exclude<OutcomeClass, 'ok'>;
  /** Whether the same call may succeed later unchanged (a default; an error may say otherwise). */
  readonly retryable: boolean;
  /** What the caller should do; the default `hint` of a tool error with this code. */
  readonly hint: string;
  /** HTTP status where the code is answered on an HTTP route (approvals API, upload, auth). */
  readonly http?: number;
  /** JSON-RPC error code when a resource read or prompt fails with this code (tools answer `isError` results). */
  readonly rpc?: number;
}

const TRY_AGAIN = 'Try again in a few seconds; if it persists, tell the platform team.';
const NEW_APPROVAL = 'Call the tool again without approvalId to get a new preview and approval id.';
const FIX_DOCUMENT =
  'Fix the document as the message says and submit it again; the rest of the batch went on.';

/**
 * Every error code a tool, resource, prompt or HTTP route of the platform answers with. Add a code
 * here (and a row to docs/errors.md) before using it: `ToolError` only takes an `ErrorCode`.
 */
export const ERROR_CODES = {
  // Caller input
  INVALID_ARGUMENTS: {
    meaning: 'The arguments do not match the tool input schema or its rules.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Fix the named arguments (see the tool input schema) and call again.',
    http: 400,
    rpc: RpcCode.InvalidParams,
  },
  INVALID_CURSOR: {
    meaning: 'The cursor is not one this tool issued for these arguments.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Pass the nextCursor of the previous result unchanged with the same arguments, or omit it to start over.',
    http: 400,
    rpc: RpcCode.InvalidParams,
  },
  NOT_FOUND: {
    meaning: 'The record, document or resource does not exist (or was deleted).',
    outcome: 'client_error',
    retryable: false,
    hint: 'Search again to get a current id.',
    http: 404,
    rpc: RpcCode.InvalidParams,
  },
  SECTION_NOT_FOUND: {
    meaning: 'The document has no section with this heading.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Call without section to see the outline, then ask for one of its headings.',
    rpc: RpcCode.InvalidParams,
  },
  VALIDATION_FAILED: {
    meaning: 'The backend refused the values of a change (a validation rule, a restricted value).',
    outcome: 'client_error',
    retryable: false,
    hint: 'Adjust the values named in the message and try again.',
    http: 422,
  },
  CANCELLED: {
    meaning: 'The client cancelled the call before it finished.',
    outcome: 'client_error',
    retryable: true,
    hint: 'Call again if the result is still needed.',
  },
  INPUT_UNAVAILABLE: {
    meaning: 'The call needs input from the user (elicitation) and this client cannot be asked for it.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Call it from a client that supports elicitation (MCP 2025-06-18 or later).',
  },
  INVALID_BODY: {
    meaning: 'The HTTP request body is not what the route accepts.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Send the body the route documents.',
    http: 400,
  },
  INVALID_PARAMETERS: {
    meaning: 'The HTTP query parameters are invalid.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Fix the parameters named in the message.',
    http: 400,
  },
  BAD_REQUEST: {
    meaning: 'The HTTP request could not be read (malformed or oversized body).',
    outcome: 'client_error',
    retryable: false,
    hint: 'Fix the request as the message says.',
    http: 400,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning: 'The upload has a Content-Type the route does not accept.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Send text/markdown, text/html or text/plain.',
    http: 415,
  },

  // Rights
  FORBIDDEN: {
    meaning: 'The caller lacks the scope this tool or route needs.',
    outcome: 'denied',
    retryable: false,
    hint: 'Ask an administrator for the scope named in the message; retrying will not help.',
    http: 403,
  },
  INSUFFICIENT_SCOPE: {
    meaning: 'The access token lacks a scope this call needs.',
    outcome: 'denied',
    retryable: false,
    hint: 'Get a token with the scopes named in the challenge.',
    http: 403,
  },
  UNAUTHENTICATED: {
    meaning: 'The request carries no access token.',
    outcome: 'denied',
    retryable: false,
    hint: 'Authenticate with a bearer access token.',
    http: 401,
  },
  INVALID_TOKEN: {
    meaning: 'The access token is expired, malformed or not issued for this server.',
    outcome: 'denied',
    retryable: false,
    hint: 'Get a new access token for this server (audience = its resource URL).',
    http: 401,
  },
  PERMISSION_DENIED: {
    meaning: "The backend refused the integration user's access to this object or action.",
    outcome: 'denied',
    retryable: false,
    hint: "Ask the backend's administrator to grant the access named in the message.",
    http: 403,
  },

  // Limits
  RATE_LIMITED: {
    meaning: 'The caller or the backend org used up its request quota for now.',
    outcome: 'rate_limited',
    retryable: true,
    hint: 'Wait retryAfterSeconds, then call again; batch or narrow requests instead of repeating them.',
    http: 429,
  },
  TIMEOUT: {
    meaning: 'The call did not finish within its time limit.',
    outcome: 'timeout',
    retryable: true,
    hint: 'Narrow the request (smaller window, fewer records) or try again later.',
    http: 504,
    rpc: RpcCode.InternalError,
  },

  // Approvals
  APPROVAL_REQUIRED: {
    meaning: 'The change needs a confirmation or an approval before it runs; a preview was returned.',
    outcome: 'approval_pending',
    retryable: true,
    hint: 'Show the preview to the user; once confirmed or approved, call again with the same arguments plus approvalId.',
  },
  APPROVAL_PENDING: {
    meaning: 'The change is still waiting for its confirmation or approver.',
    outcome: 'approval_pending',
    retryable: true,
    hint: 'Tell the user who must act; call again with the same arguments and approvalId once they have.',
  },
  APPROVAL_INVALID: {
    meaning: 'The approval id is unknown, or was not issued to this caller for this tool.',
    outcome: 'client_error',
    retryable: false,
    hint: NEW_APPROVAL,
  },
  APPROVAL_ARGUMENTS_MISMATCH: {
    meaning: 'The arguments differ from the ones the approval was granted for.',
    outcome: 'client_error',
    retryable: false,
    hint: `Call again with exactly the arguments shown in the preview, or: ${NEW_APPROVAL}`,
  },
  APPROVAL_ALREADY_USED: {
    meaning: 'The approval was already used; one approval executes exactly one call.',
    outcome: 'client_error',
    retryable: false,
    hint: NEW_APPROVAL,
  },
  APPROVAL_EXPIRED: {
    meaning: 'The approval expired before it was used or decided.',
    outcome: 'client_error',
    retryable: false,
    hint: NEW_APPROVAL,
    http: 410,
  },
  APPROVAL_REJECTED: {
    meaning: 'An approver rejected the change.',
    outcome: 'denied',
    retryable: false,
    hint: 'Do not retry the same change; tell the user it was rejected and why.',
  },
  APPROVAL_DECLINED: {
    meaning: 'The user declined the change when asked to confirm it.',
    outcome: 'denied',
    retryable: false,
    hint: 'Do not retry unless the user asks for it again.',
  },
  APPROVAL_UNAVAILABLE: {
    meaning: 'Approvals cannot be stored or checked (store down, or none configured); nothing was changed.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },
  APPROVAL_NOT_FOUND: {
    meaning: 'No approval request with this id exists on this server (approvals API).',
    outcome: 'client_error',
    retryable: false,
    hint: 'Use an id from the approvals list.',
    http: 404,
  },
  APPROVAL_NOT_YOURS: {
    meaning: 'Only the person who made a confirm-policy request can confirm it.',
    outcome: 'denied',
    retryable: false,
    hint: 'Ask the requester to confirm it.',
    http: 403,
  },
  APPROVAL_SELF_DECISION: {
    meaning: 'An approver tried to decide their own request.',
    outcome: 'denied',
    retryable: false,
    hint: 'Another approver must decide it.',
    http: 403,
  },
  APPROVAL_NOT_APPROVER_POLICY: {
    meaning: 'The request is confirmed by its requester, not decided by an approver.',
    outcome: 'client_error',
    retryable: false,
    hint: 'The requester confirms it in the approvals console.',
    http: 409,
  },
  APPROVAL_ALREADY_DECIDED: {
    meaning: 'The approval request was already approved, rejected or executed.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Reload the request to see its decision.',
    http: 409,
  },

  // Server side
  INTERNAL_ERROR: {
    meaning: 'An unexpected failure on the server; the message carries a reference id for the logs.',
    outcome: 'error',
    retryable: false,
    hint: 'Report the reference to the platform team; retrying is unlikely to help.',
    http: 500,
    rpc: RpcCode.InternalError,
  },
  TOOL_ERROR: {
    meaning: 'A tool answered isError without a code (audit and metrics fallback; a bug in the tool).',
    outcome: 'error',
    retryable: false,
    hint: 'Report it to the platform team with the tool name.',
  },
  CONFIG_INVALID: {
    meaning: 'The server refused to start: its environment is invalid.',
    outcome: 'error',
    retryable: false,
    hint: 'Fix the variables listed in the message and restart.',
  },
  UNAVAILABLE: {
    meaning: 'The server shut down before the call finished.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: 'Call again; for a change, first check whether it was applied (the server stopped mid-call).',
    http: 503,
    rpc: RpcCode.InternalError,
  },
  UPSTREAM_UNAVAILABLE: {
    meaning: 'A backend system this call needs cannot be reached right now.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: 'Try again in a few seconds (for a change, first check whether it was applied); if it persists, the backend is down.',
    http: 503,
    rpc: RpcCode.InternalError,
  },
  UPSTREAM_AUTH_FAILED: {
    meaning: "The backend rejected the platform's own credentials (integration user, API key).",
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: 'Retry in a minute; if it persists, the platform team must fix the integration credentials.',
    http: 502,
  },
  AUDIT_UNAVAILABLE: {
    meaning: 'The audit trail cannot store the call, so it was not run; nothing was changed.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: 'Try again in a few seconds; if it persists, the audit database is down.',
    http: 503,
  },
  JWKS_UNAVAILABLE: {
    meaning: "The identity provider's keys cannot be fetched, so tokens cannot be checked.",
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },

  // Knowledge ingestion (per document; the rest of a batch goes on)
  EMPTY: {
    meaning: 'The document is empty or only whitespace.',
    outcome: 'client_error',
    retryable: false,
    hint: FIX_DOCUMENT,
    http: 422,
  },
  BINARY: {
    meaning: 'The document is binary, not text.',
    outcome: 'client_error',
    retryable: false,
    hint: FIX_DOCUMENT,
    http: 422,
  },
  TOO_LARGE: {
    meaning: 'The document is larger than the configured maximum.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Split the document and submit the parts.',
    http: 413,
  },
  INVALID_ENCODING: {
    meaning: 'The document is not valid UTF-8.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Convert the document to UTF-8 and submit it again.',
    http: 415,
  },
  UNSUPPORTED_TYPE: {
    meaning: 'The file type is not one ingestion reads (Markdown, HTML, text).',
    outcome: 'client_error',
    retryable: false,
    hint: FIX_DOCUMENT,
    http: 422,
  },
  NO_TEXT: {
    meaning: 'The document has no readable text after conversion.',
    outcome: 'client_error',
    retryable: false,
    hint: FIX_DOCUMENT,
    http: 422,
  },
  TOO_MANY_CHUNKS: {
    meaning: 'The document would split into more chunks than the configured maximum.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Split the document and submit the parts.',
    http: 422,
  },
  TOO_COMPLEX: {
    meaning: 'The document is nested too deeply, has too many elements, or took too long to parse.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Simplify the document (flatter HTML, fewer elements) and submit it again.',
    http: 422,
  },
  INVALID_METADATA: {
    meaning: 'The document metadata (front matter: title, tags, url, updated) is invalid.',
    outcome: 'client_error',
    retryable: false,
    hint: FIX_DOCUMENT,
    http: 422,
  },
  EMBEDDING_FAILED: {
    meaning: 'The embedding endpoint answered with an error or an unusable vector.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },
  EMBEDDING_UNREACHABLE: {
    meaning: 'The embedding endpoint cannot be reached.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },
  SOURCE_ERROR: {
    meaning: 'A remote source (Confluence, the embedding endpoint) failed for this document.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },
  DATABASE_ERROR: {
    meaning: 'The index database failed while storing the document.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
    http: 503,
  },
  INDEX_SCHEMA_MISMATCH: {
    meaning: 'The index schema does not match the configuration (e.g. EMBEDDING_DIMENSIONS changed).',
    outcome: 'error',
    retryable: false,
    hint: 'Restore the configuration the index was built with, or rebuild the index.',
  },
  CONFLUENCE_BAD_LINK: {
    meaning: 'Confluence returned a next-page link outside its own origin; the sync stopped.',
    outcome: 'error',
    retryable: false,
    hint: 'Check CONFLUENCE_URL (and any proxy in front of Confluence).',
  },
  CONFLUENCE_UNREACHABLE: {
    meaning: 'Confluence cannot be reached.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
  },
  CONFLUENCE_AUTH: {
    meaning: 'Confluence refused the configured credentials.',
    outcome: 'upstream_unavailable',
    retryable: false,
    hint: "Check CONFLUENCE_USER/CONFLUENCE_TOKEN and the account's access to the space.",
  },
  CONFLUENCE_NOT_FOUND: {
    meaning: 'The Confluence space or page does not exist.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Check the space key given to the sync.',
  },
  CONFLUENCE_FAILED: {
    meaning: 'Confluence answered with an unexpected error.',
    outcome: 'upstream_unavailable',
    retryable: true,
    hint: TRY_AGAIN,
  },
  // The server kit's upstream classification (409/412, and answers it cannot read).
  CONFLICT: {
    meaning: 'The backend refused the change because the record changed meanwhile or already exists.',
    outcome: 'client_error',
    retryable: false,
    hint: 'Read the record again and retry with its current values.',
  },
  UPSTREAM_ERROR: {
    meaning: 'A backend answered in a way the server cannot use (unexpected status, body or next-page link).',
    outcome: 'error',
    retryable: false,
    hint: 'Tell the platform team with the reference id; retrying will not help until the backend or its configuration is fixed.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A registered error code: creating an error with any other string does not compile. */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The registry entry of a code. */
export function errorSpec(code: ErrorCode): ErrorCodeSpec {
  return ERROR_CODES[code];
}

/**
 * The outcome class of a failure code: what metrics label it, what the audit stores, what logs
 * say. An unregistered code (a result built by hand, another server's code) counts as `error`, so
 * a mistake is visible rather than silently excused.
 */
export function outcomeOf(code: string | null | undefined): Exclude<OutcomeClass, 'ok'> {
  return isErrorCode(code) ? ERROR_CODES[code].outcome : 'error';
}

/** The outcome class of a JSON-RPC error the dispatcher threw (unknown tool, bad params...). */
export function outcomeOfRpc(code: number): Exclude<OutcomeClass, 'ok'> {
  return code === RpcCode.InternalError ? 'error' : 'client_error';
}
