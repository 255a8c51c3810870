import { type ErrorCode, ToolError } from '@mcp-platform/protocol';

export const AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE' satisfies ErrorCode;

/** The call was refused because its audit record could not be stored; nothing was changed. */
export function auditUnavailable(reason: string): ToolError {
  return new ToolError(
    AUDIT_UNAVAILABLE,
    `The audit trail cannot store this call right now (${reason}), so it was not run`,
    {
      retryable: true,
      hint: 'Nothing was changed. Try again in a few seconds; if it persists, the audit database is down.',
    },
  );
}
