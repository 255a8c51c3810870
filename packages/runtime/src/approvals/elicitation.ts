import type { ChangePreview, ClientInfo } from '@mcp-platform/protocol';
import { previewText } from './preview-marking.ts';

/** Key of our embedded request in `inputRequests` / `inputResponses`. */
export const INPUT_KEY = 'approval';

/** What our `requestState` carries (integrity-protected by the protocol package's HMAC codec). */
export interface ApprovalState {
  approval: string;
  /** `url`: the person was sent to the console to confirm (URL-mode elicitation). */
  mode?: 'url';
}

export function isApprovalState(value: unknown): value is ApprovalState {
  return typeof value === 'object' && value !== null && typeof (value as ApprovalState).approval === 'string';
}

/** Whether the client can answer an `input_required` form elicitation (2026 era, form mode declared). */
export function canConfirmInline(client: ClientInfo): boolean {
  if (client.era !== '2026') return false;
  const elicitation = client.capabilities?.elicitation;
  if (typeof elicitation !== 'object' || elicitation === null) return false;
  const modes = Object.keys(elicitation);
  // An empty object means form mode (backwards compatible default); url-only clients cannot answer a form.
  return modes.length === 0 || modes.includes('form');
}

/** Whether the client declared URL-mode elicitation (2026 era): the person can be sent to the console. */
export function canOpenUrl(client: ClientInfo): boolean {
  if (client.era !== '2026') return false;
  const elicitation = client.capabilities?.elicitation;
  return typeof elicitation === 'object' && elicitation !== null && 'url' in elicitation;
}

/** The `input_required` result sending the person to the console page where they confirm as themself. */
export function consoleConfirmationRequest(
  preview: ChangePreview,
  url: string,
  approvalId: string,
  requestState: string,
): Record<string, unknown> {
  return {
    resultType: 'input_required',
    inputRequests: {
      [INPUT_KEY]: {
        method: 'elicitation/create',
        params: {
          mode: 'url',
          elicitationId: approvalId,
          url,
          message: `${previewText(preview)}\n\nOpen the approvals console, sign in as yourself and confirm or cancel this change.`,
        },
      },
    },
    requestState,
  };
}

/** The action of a URL-mode answer: `accept` means "I went there", never "approved". */
export function urlAnswer(
  inputResponses: Record<string, unknown> | undefined,
): 'accept' | 'decline' | 'missing' {
  const entry = inputResponses?.[INPUT_KEY];
  if (typeof entry !== 'object' || entry === null) return 'missing';
  return (entry as { action?: unknown }).action === 'accept' ? 'accept' : 'decline';
}

const APPROVE_SCHEMA = {
  type: 'object',
  properties: {
    approve: {
      type: 'boolean',
      title: 'Approve this change',
      description: 'Yes to make exactly this change now; no to cancel it.',
      default: false,
    },
  },
  required: ['approve'],
} as const;

/** The `input_required` result asking the user to confirm, with the approval id sealed in `requestState`. */
export function confirmationRequest(preview: ChangePreview, requestState: string): Record<string, unknown> {
  return {
    resultType: 'input_required',
    inputRequests: {
      [INPUT_KEY]: {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message: `${previewText(preview)}\n\nApprove this change?`,
          requestedSchema: APPROVE_SCHEMA,
        },
      },
    },
    requestState,
  };
}

/** The user's answer to our confirmation: approved, declined (any other answer), or missing. */
export function confirmationAnswer(
  inputResponses: Record<string, unknown> | undefined,
): 'approved' | 'declined' | 'missing' {
  const entry = inputResponses?.[INPUT_KEY];
  if (typeof entry !== 'object' || entry === null) return 'missing';
  const { action, content } = entry as { action?: unknown; content?: unknown };
  if (
    action === 'accept' &&
    typeof content === 'object' &&
    content !== null &&
    (content as { approve?: unknown }).approve === true
  ) {
    return 'approved';
  }
  return 'declined';
}
