import { ToolError } from '@mcp-platform/protocol';

/** What a Salesforce call was doing, so errors can name the object and the missing permission. */
export interface Operation {
  object: string;
  action: 'read' | 'create' | 'edit';
}

interface SalesforceErrorShape {
  errorCode?: unknown;
  name?: unknown;
  message?: unknown;
  data?: unknown;
  code?: unknown;
}

/** The Salesforce `errorCode` of a jsforce error (first one of a multi-error response). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SalesforceErrorShape;
  if (e.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data)) {
    const first = e.data[0] as SalesforceErrorShape | undefined;
    return typeof first?.errorCode === 'string' ? first.errorCode : undefined;
  }
  if (typeof e.errorCode === 'string') return e.errorCode;
  return undefined;
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const VALIDATION = new Set([
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'REQUIRED_FIELD_MISSING',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'FIELD_INTEGRITY_EXCEPTION',
  'STRING_TOO_LONG',
  'INVALID_CROSS_REFERENCE_KEY',
  'FIELD_FILTER_VALIDATION_EXCEPTION',
  'DUPLICATES_DETECTED',
]);

function salesforceMessage(error: unknown): string {
  const e = error as SalesforceErrorShape;
  if (e.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(e.data)) {
    return e.data.map((d: SalesforceErrorShape) => String(d.message ?? '')).join('; ');
  }
  return typeof e.message === 'string' ? e.message : 'unknown error';
}

/**
 * Maps a Salesforce/jsforce failure to the platform's structured errors. Unknown failures (e.g. a
 * MALFORMED_QUERY, which would be our bug) are returned unchanged and become INTERNAL_ERROR with a
 * reference id, so org internals never reach the model.
 */
export function mapSalesforceError(error: unknown, op: Operation): unknown {
  if (error instanceof ToolError) return error;
  const code = errorCodeOf(error);
  const verb = op.action === 'read' ? 'read' : op.action === 'create' ? 'create' : 'edit';
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED':
      return new ToolError('RATE_LIMITED', 'The Salesforce org has used up its API request limit for now', {
        retryable: true,
        hint: 'Try again later; the org limit resets over a rolling 24 hours.',
        details: { retryAfterSeconds: 300 },
        cause: error,
      });
    case 'NOT_FOUND':
    case 'ENTITY_IS_DELETED':
      return new ToolError('NOT_FOUND', `The ${op.object} record was not found (it may have been deleted)`, {
        hint: 'Search again to get a current record id.',
        cause: error,
      });
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
    case 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY':
    case 'INVALID_TYPE':
      return new ToolError(
        'PERMISSION_DENIED',
        `The CRM integration user may not ${verb} ${op.object} records`,
        {
          hint: `Ask a Salesforce admin to grant ${verb} access on ${op.object} to the integration user's permission set.`,
          details: { object: op.object, action: verb },
          cause: error,
        },
      );
    case 'INVALID_SESSION_ID':
      return new ToolError(
        'UPSTREAM_AUTH_FAILED',
        "Salesforce rejected the integration user's session even after a refresh",
        {
          retryable: true,
          hint: 'Check the connected app and integration user; retry in a minute.',
          cause: error,
        },
      );
    case 'UNABLE_TO_LOCK_ROW':
    case 'SERVER_UNAVAILABLE':
      return new ToolError('UPSTREAM_UNAVAILABLE', 'Salesforce is busy or unavailable', {
        retryable: true,
        hint: 'Try again in a moment.',
        cause: error,
      });
    default:
      break;
  }
  if (code !== undefined && VALIDATION.has(code)) {
    return new ToolError(
      'VALIDATION_FAILED',
      `Salesforce refused the change: ${salesforceMessage(error).slice(0, 300)}`,
      {
        hint: 'Adjust the values named in the message and try again.',
        details: { salesforceCode: code },
        cause: error,
      },
    );
  }
  if (code !== undefined && /^ERROR_HTTP_5\d\d$/.test(code)) {
    return new ToolError('UPSTREAM_UNAVAILABLE', 'Salesforce answered with a server error', {
      retryable: true,
      hint: 'Try again in a moment.',
      cause: error,
    });
  }
  const sysCode =
    (error as SalesforceErrorShape | null)?.code ??
    (error as { cause?: SalesforceErrorShape } | null)?.cause?.code;
  if (typeof sysCode === 'string' && NETWORK.has(sysCode)) {
    return new ToolError('UPSTREAM_UNAVAILABLE', 'Salesforce could not be reached', {
      retryable: true,
      hint: 'Try again in a moment; if it persists, the platform team should check connectivity.',
      cause: error,
    });
  }
  return error;
}
