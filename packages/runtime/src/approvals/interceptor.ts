import { randomUUID } from 'node:crypto';
import {
  type CallInfo,
  type CallOutcome,
  type ChangePreview,
  type Interceptor,
  outcomeOf,
  ToolError,
} from '@mcp-platform/protocol';
import { canonicalJson, sha256Hex } from '../audit/canonical-json.ts';
import { annotateCall, isUuid } from '../audit/interceptor.ts';
import { redact } from '../audit/redact.ts';
import type { ApprovalAudit } from './audit-steps.ts';
import {
  type ApprovalState,
  canConfirmInline,
  canOpenUrl,
  confirmationAnswer,
  confirmationRequest,
  consoleConfirmationRequest,
  isApprovalState,
  urlAnswer,
} from './elicitation.ts';
import { ApprovalCode, approvalErrors } from './errors.ts';
import { markPreview, previewText } from './preview-marking.ts';
import type { ApprovalRequest, ApprovalStore, Binding } from './store.ts';
import { APPROVAL_ARGUMENT, hasApprovalArgument } from './with-approval-argument.ts';

export interface ApprovalFlowOptions {
  server: string;
  store: ApprovalStore;
  audit: ApprovalAudit;
  ttlMs: number;
  now: () => Date;
  /** Seals a `requestState` (the protocol package's HMAC codec); without it, no inline confirmation. */
  mintState: ((payload: ApprovalState) => Promise<string>) | undefined;
  /** Told about every new `approver` request (webhook notifications); must not throw or block. */
  onRequested?: ((request: ApprovalRequest) => void) | undefined;
  /** The console page of a request (`PUBLIC_URL/approvals/<id>`), named in messages to the person. */
  consoleUrl?: ((approvalId: string) => string) | undefined;
}

/** Hash binding an approval to the exact call: tool name plus canonical JSON of the validated arguments. */
export function argumentsHash(tool: string, args: Record<string, unknown>): string {
  return sha256Hex(`${tool}\n${canonicalJson(args)}`);
}

function defaultPreview(tool: string, args: unknown): ChangePreview {
  return { summary: `Run ${tool} with the arguments below.`, changes: { arguments: args } };
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw Object.assign(approvalErrors.unavailable(), { cause: error });
  }
}

/**
 * The two-phase flow for tools with `policy.approval`: the first call stores a single-use approval
 * request bound to the exact arguments and caller, with the tool's preview, and answers with an
 * inline confirmation (2026 clients that can elicit; `confirm` only) or APPROVAL_REQUIRED; the call
 * runs only by atomically consuming an approval that matches it.
 */
export function approvalInterceptor(options: ApprovalFlowOptions): Interceptor {
  const { server, store, audit, ttlMs, now } = options;

  const refusal = async (call: CallInfo, id: string, binding: Binding): Promise<ToolError> => {
    const at = now();
    const found = await store.get(id, server);
    let error: ToolError;
    let reason: string;
    if (
      !found ||
      found.tool !== binding.tool ||
      found.requesterSubject !== binding.requesterSubject ||
      found.requesterClientId !== binding.requesterClientId
    ) {
      error = approvalErrors.invalid();
      reason = found ? 'issued to another caller or tool' : 'unknown approval id';
    } else if (found.argsHash !== binding.argsHash) {
      error = approvalErrors.argumentsMismatch();
      reason = 'arguments differ from the approved ones';
    } else if (found.status === 'executed') {
      error = approvalErrors.alreadyUsed();
      reason = 'already executed';
    } else if (found.status === 'rejected') {
      error = approvalErrors.rejected(found.reason);
      reason = 'rejected';
    } else if (found.status === 'expired' || found.expiresAt <= at) {
      const expired = await store.expire(id, at);
      if (expired)
        audit.fromCall(call, id, {
          event: 'approval.expired',
          outcome: outcomeOf(ApprovalCode.Expired),
          errorCode: ApprovalCode.Expired,
        });
      error = approvalErrors.expired();
      reason = 'expired';
    } else if (found.policy === 'approver' && found.status === 'pending') {
      error = approvalErrors.pending(id, found.expiresAt);
      reason = 'waiting for an approver';
    } else if (found.policy === 'confirm' && found.status === 'pending') {
      error = approvalErrors.unconfirmed(id, found.expiresAt, options.consoleUrl?.(id));
      reason = 'not confirmed by the user';
    } else {
      error = approvalErrors.invalid();
      reason = `not executable in status ${found.status}`;
    }
    audit.fromCall(call, isUuid(id) ? id : null, {
      event: 'approval.refused',
      outcome: outcomeOf(error.code),
      errorCode: error.code,
      detail: {
        reason,
        ...(found && found.requesterSubject !== binding.requesterSubject
          ? { approvalOwner: { subject: found.requesterSubject, clientId: found.requesterClientId || null } }
          : {}),
      },
    });
    return error;
  };

  const execute = async (
    call: CallInfo,
    id: string,
    binding: Binding,
    via: 'approvalId' | 'elicitation' | 'console',
    next: () => Promise<CallOutcome>,
  ): Promise<CallOutcome> => {
    annotateCall(call, { approvalId: id });
    // A pending `confirm` request runs only when this very call carries the person's answer (an inline
    // form), or when the tool opted out of human confirmation; otherwise it must be confirmed in the console.
    const pendingRuns =
      via === 'elicitation' || (via === 'approvalId' && call.policy.agentMayConfirm === true);
    const consumed = await guarded(() => store.consume(id, binding, now(), pendingRuns));
    if (!consumed) throw await guarded(() => refusal(call, id, binding));
    if (consumed.policy === 'confirm' && consumed.decidedBy === null) {
      audit.fromCall(call, id, {
        event: 'approval.approved',
        outcome: 'ok',
        detail: { policy: 'confirm', via },
      });
    }
    audit.fromCall(call, id, {
      event: 'approval.executed',
      outcome: 'ok',
      detail: {
        policy: consumed.policy,
        via,
        ...(consumed.approvedBy.length > 1
          ? { approvedBy: consumed.approvedBy }
          : consumed.decidedBy
            ? { approvedBy: consumed.decidedBy }
            : {}),
      },
    });
    call.ctx.approval = {
      id,
      policy: consumed.policy,
      approvedBy: consumed.decidedBy ?? binding.requesterSubject,
    };
    return next();
  };

  return async (call, next) => {
    const policy = call.policy.approval;
    if (call.kind !== 'tool' || (policy !== 'confirm' && policy !== 'approver') || call.args === undefined) {
      return next();
    }
    if (!call.tool || !hasApprovalArgument(call.tool)) {
      throw new Error(
        `Tool ${call.name} has policy.approval but no approvalId argument: apply withApprovalArgument() to it before building the Dispatcher`,
      );
    }
    const { [APPROVAL_ARGUMENT]: claimed, ...args } = call.args;
    const binding: Binding = {
      server,
      tool: call.name,
      argsHash: argumentsHash(call.name, args),
      requesterSubject: call.ctx.caller.subject,
      requesterClientId: call.ctx.caller.clientId ?? '',
    };

    // Round two of an inline confirmation: the approval id comes from our verified requestState.
    if (isApprovalState(call.requestState)) {
      const id = call.requestState.approval;
      if (typeof claimed === 'string' && claimed !== id) throw approvalErrors.invalid();
      if (call.requestState.mode === 'url') {
        // "accept" only says the person went to the console; whether they confirmed is in the store.
        if (urlAnswer(call.inputResponses) !== 'decline') return execute(call, id, binding, 'console', next);
        annotateCall(call, { approvalId: id });
        const declined = await guarded(() => store.decline(id, binding, 'declined by the user', now()));
        if (!declined) throw await guarded(() => refusal(call, id, binding));
        audit.fromCall(call, id, {
          event: 'approval.rejected',
          outcome: 'denied',
          detail: { policy: 'confirm', via: 'elicitation' },
        });
        throw approvalErrors.declined();
      }
      const answer = confirmationAnswer(call.inputResponses);
      if (answer === 'approved') return execute(call, id, binding, 'elicitation', next);
      annotateCall(call, { approvalId: id });
      if (answer === 'declined') {
        const declined = await guarded(() => store.decline(id, binding, 'declined by the user', now()));
        if (!declined) throw await guarded(() => refusal(call, id, binding));
        audit.fromCall(call, id, {
          event: 'approval.rejected',
          outcome: 'denied',
          detail: { policy: 'confirm', via: 'elicitation' },
        });
        throw approvalErrors.declined();
      }
      // No answer came back: fall through to the approval-id flow with the same request.
    }

    if (typeof claimed === 'string' && claimed !== '') {
      if (!isUuid(claimed)) {
        audit.fromCall(call, null, {
          event: 'approval.refused',
          outcome: outcomeOf(ApprovalCode.Invalid),
          errorCode: ApprovalCode.Invalid,
          detail: { reason: 'malformed approval id' },
        });
        throw approvalErrors.invalid();
      }
      return execute(call, claimed.toLowerCase(), binding, 'approvalId', next);
    }

    // Phase one: preview, store the request, ask for approval.
    const preview = call.tool.preview
      ? await call.tool.preview(args as never, call.ctx)
      : defaultPreview(call.name, redact(args, call.policy.sensitive));
    const createdAt = now();
    const request = await guarded(() =>
      store.create({
        id: randomUUID(),
        server,
        tool: call.name,
        policy,
        argsHash: binding.argsHash,
        arguments: redact(args, call.policy.sensitive),
        preview,
        requesterSubject: binding.requesterSubject,
        requesterClientId: binding.requesterClientId,
        createdAt,
        expiresAt: new Date(createdAt.getTime() + ttlMs),
        correlationId: call.ctx.correlationId,
        ...(policy === 'approver' && preview.approvalsRequired !== undefined
          ? { approvalsRequired: Math.min(5, Math.max(1, Math.trunc(preview.approvalsRequired))) }
          : {}),
      }),
    );
    annotateCall(call, { approvalId: request.id });
    if (policy === 'approver') options.onRequested?.(request);
    const inline =
      policy === 'confirm' && options.mintState !== undefined && canConfirmInline(call.ctx.client);
    const confirmUrl = options.consoleUrl?.(request.id);
    const viaUrl =
      !inline &&
      policy === 'confirm' &&
      confirmUrl !== undefined &&
      options.mintState !== undefined &&
      canOpenUrl(call.ctx.client);
    const agentConfirms = policy === 'confirm' && call.policy.agentMayConfirm === true;
    audit.fromCall(call, request.id, {
      event: 'approval.requested',
      outcome: 'pending',
      detail: {
        policy,
        expiresAt: request.expiresAt.toISOString(),
        preview,
        via: inline ? 'elicitation' : viaUrl ? 'url-elicitation' : agentConfirms ? 'approvalId' : 'console',
      },
    });
    if (inline) {
      const state = await options.mintState!({ approval: request.id });
      return confirmationRequest(preview, state);
    }
    if (viaUrl) {
      const state = await options.mintState!({ approval: request.id, mode: 'url' });
      return consoleConfirmationRequest(preview, confirmUrl!, request.id, state);
    }
    const where = confirmUrl ?? 'the approvals console of this server (/approvals/)';
    // The preview quotes the system of record: it reaches the model only marked as data.
    const rendered = previewText(preview);
    throw new ToolError(
      ApprovalCode.Required,
      policy === 'confirm'
        ? `This change needs the user's confirmation before it runs.\n${rendered}`
        : `This change needs the approval of an approver before it runs.\n${rendered}`,
      {
        retryable: true,
        hint: agentConfirms
          ? 'Show the preview to the user. Once they confirm, call again with exactly the same arguments plus approvalId.'
          : policy === 'confirm'
            ? `Show the preview to the user and ask them to open ${where}, sign in as themself and confirm it there (you cannot confirm it). Then call again with exactly the same arguments plus approvalId.`
            : `Show the preview to the user and tell them an approver must approve it in ${where}. Once approved, call again with exactly the same arguments plus approvalId.`,
        details: {
          approvalId: request.id,
          policy,
          ...(confirmUrl === undefined ? {} : { confirmUrl }),
          preview: markPreview(preview),
          previewText: rendered,
          expiresAt: request.expiresAt.toISOString(),
        },
      },
    );
  };
}
