import { type ErrorCode, ToolError } from '@mcp-platform/protocol';

/** Stable codes of the approval flow (tool error results on the MCP side). */
export const ApprovalCode = {
  Required: 'APPROVAL_REQUIRED',
  Pending: 'APPROVAL_PENDING',
  Invalid: 'APPROVAL_INVALID',
  ArgumentsMismatch: 'APPROVAL_ARGUMENTS_MISMATCH',
  AlreadyUsed: 'APPROVAL_ALREADY_USED',
  Expired: 'APPROVAL_EXPIRED',
  Rejected: 'APPROVAL_REJECTED',
  Declined: 'APPROVAL_DECLINED',
  Unavailable: 'APPROVAL_UNAVAILABLE',
} as const satisfies Record<string, ErrorCode>;

const NEW_REQUEST = 'Call the tool again without approvalId to get a new preview and approval id.';

export const approvalErrors = {
  invalid: () =>
    new ToolError(
      ApprovalCode.Invalid,
      'This approval id is unknown, or was not issued to you for this tool',
      {
        hint: NEW_REQUEST,
      },
    ),
  argumentsMismatch: () =>
    new ToolError(
      ApprovalCode.ArgumentsMismatch,
      'The arguments differ from the ones this approval was granted for',
      {
        hint: `Call again with exactly the arguments shown in the preview, or: ${NEW_REQUEST}`,
      },
    ),
  alreadyUsed: () =>
    new ToolError(
      ApprovalCode.AlreadyUsed,
      'This approval was already used; an approval executes exactly one call',
      {
        hint: NEW_REQUEST,
      },
    ),
  expired: () => new ToolError(ApprovalCode.Expired, 'This approval has expired', { hint: NEW_REQUEST }),
  rejected: (reason: string | null) =>
    new ToolError(
      ApprovalCode.Rejected,
      `The change was rejected by an approver${reason ? `: ${reason}` : ''}`,
      {
        hint: 'Do not retry the same change; tell the user it was rejected and why.',
        details: { reason },
      },
    ),
  declined: () =>
    new ToolError(ApprovalCode.Declined, 'The user declined the change; nothing was changed', {
      hint: 'Do not retry unless the user asks for it again.',
    }),
  pending: (approvalId: string, expiresAt: Date) =>
    new ToolError(ApprovalCode.Pending, 'The change is waiting for an approver', {
      retryable: true,
      hint: 'Tell the user an approver must approve it first (in the approvals console, /approvals/ on this server), then call again with the same arguments and approvalId.',
      details: { approvalId, expiresAt: expiresAt.toISOString() },
    }),
  unconfirmed: (approvalId: string, expiresAt: Date, confirmUrl: string | undefined) =>
    new ToolError(
      ApprovalCode.Pending,
      'The user has not confirmed this change; calling again does not confirm it',
      {
        retryable: true,
        hint: confirmUrl
          ? `Ask the user to open ${confirmUrl}, sign in as themself and confirm the change there; then call again with the same arguments and approvalId. You cannot confirm it yourself.`
          : 'Ask the user to confirm the change in the approvals console of this server (/approvals/), signed in as themself; then call again with the same arguments and approvalId. You cannot confirm it yourself.',
        details: {
          approvalId,
          policy: 'confirm',
          expiresAt: expiresAt.toISOString(),
          confirmUrl: confirmUrl ?? null,
        },
      },
    ),
  unavailable: () =>
    new ToolError(
      ApprovalCode.Unavailable,
      'Approvals cannot be stored or checked right now; nothing was changed',
      {
        retryable: true,
        hint: 'Try again in a few seconds.',
      },
    ),
};
