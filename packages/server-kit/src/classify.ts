import { isDeadline, ToolError } from '@mcp-platform/protocol';

/** The codes an upstream failure is classified onto (all in the platform's error registry). */
export type UpstreamErrorCode =
  | 'UPSTREAM_UNAVAILABLE'
  | 'TIMEOUT'
  | 'UPSTREAM_AUTH_FAILED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'VALIDATION_FAILED'
  | 'UPSTREAM_ERROR';

/**
 * A non-success HTTP answer from an upstream system. Kept as the `cause` of the classified ToolError,
 * so logs see the status and the start of the body; the model never does.
 */
export class UpstreamHttpError extends Error {
  readonly status: number;
  readonly headers: Headers;
  /** The first 2 KiB of the response body (for logs only). */
  readonly body: string;

  constructor(system: string, operation: string, status: number, headers: Headers, body: string) {
    super(`${system} answered HTTP ${status} to ${operation}`);
    this.name = 'UpstreamHttpError';
    this.status = status;
    this.headers = headers;
    this.body = body.slice(0, 2048);
  }
}

/** A request that did not answer within its per-attempt time limit (the call itself is still alive). */
export class UpstreamTimeoutError extends Error {
  constructor(system: string, operation: string, timeoutMs: number) {
    super(`${system} did not answer ${operation} within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

export interface ClassifyContext {
  /** Upstream system as users know it: `Salesforce`, `ServiceNow`, `SAP`, `Confluence`. */
  system: string;
  /** What the call was doing, for the message: `read incidents`, `create a purchase requisition`. */
  action?: string | undefined;
  /** Seconds a rate-limited caller should wait (from Retry-After), when known. */
  retryAfterSeconds?: number | undefined;
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The system error code of a network failure (fetch wraps it in `cause`), if it is one. */
export function networkCodeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an upstream failure onto the registry's codes with a message that says what to do. The
 * original error stays as `cause` (logged with the call, never sent to the client). A ToolError
 * passes through unchanged; so does the call's own cancellation or deadline (the dispatcher answers
 * those), and anything unrecognised (it becomes INTERNAL_ERROR with a reference id).
 */
export function classifyUpstreamError(error: unknown, context: ClassifyContext): unknown {
  if (error instanceof ToolError) return error;
  if (isDeadline(error) || (error as { name?: unknown } | null)?.name === 'AbortError') return error;
  const { system } = context;
  const doing = context.action === undefined ? '' : ` (${context.action})`;
  if (error instanceof UpstreamTimeoutError) {
    return new ToolError('TIMEOUT', `${system} did not answer in time${doing}`, {
      retryable: true,
      hint: `Try again in a moment; ${system} is slow right now.`,
      cause: error,
    });
  }
  if (error instanceof UpstreamHttpError) return classifyStatus(error, context, doing);
  if (networkCodeOf(error) !== undefined) {
    return new ToolError('UPSTREAM_UNAVAILABLE', `${system} could not be reached${doing}`, {
      retryable: true,
      hint: 'Try again in a moment; if it persists, the platform team should check connectivity.',
      cause: error,
    });
  }
  return error;
}

function classifyStatus(error: UpstreamHttpError, context: ClassifyContext, doing: string): ToolError {
  const { system } = context;
  const status = error.status;
  if (status === 401) {
    return new ToolError('UPSTREAM_AUTH_FAILED', `${system} rejected the integration credentials${doing}`, {
      retryable: true,
      hint: `Retry in a minute; if it persists, an administrator should check the ${system} integration account.`,
      cause: error,
    });
  }
  if (status === 403) {
    return new ToolError('PERMISSION_DENIED', `The ${system} integration account may not do this${doing}`, {
      hint: `Ask a ${system} administrator to grant the integration account access, or try a different record.`,
      cause: error,
    });
  }
  if (status === 404 || status === 410) {
    return new ToolError('NOT_FOUND', `${system} has no such record${doing}`, {
      hint: 'Search again to get a current id.',
      cause: error,
    });
  }
  if (status === 409 || status === 412) {
    return new ToolError(
      'CONFLICT',
      `${system} refused the change because the record changed meanwhile${doing}`,
      {
        retryable: true,
        hint: 'Read the record again and repeat the change on its current state.',
        cause: error,
      },
    );
  }
  if (status === 429) {
    const seconds = context.retryAfterSeconds;
    return new ToolError('RATE_LIMITED', `${system} is rate limiting the integration${doing}`, {
      retryable: true,
      hint: seconds === undefined ? 'Try again later.' : `Try again in ${seconds} seconds.`,
      ...(seconds === undefined ? {} : { details: { retryAfterSeconds: seconds } }),
      cause: error,
    });
  }
  if (status === 400 || status === 422) {
    return new ToolError('VALIDATION_FAILED', `${system} refused the request's values${doing}`, {
      hint: 'Check the values against the tool description and try again.',
      cause: error,
    });
  }
  if (status >= 500) {
    return new ToolError('UPSTREAM_UNAVAILABLE', `${system} is unavailable or failing${doing}`, {
      retryable: true,
      hint: 'Try again in a moment.',
      cause: error,
    });
  }
  return new ToolError('UPSTREAM_ERROR', `${system} answered with an unexpected status${doing}`, {
    hint: 'Try again; if it persists, report it to the platform team with the reference id.',
    cause: error,
  });
}
