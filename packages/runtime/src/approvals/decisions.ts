import { type Caller, type ErrorCode, outcomeOf } from '@mcp-platform/protocol';
import type { ApprovalAudit } from './audit-steps.ts';
import { ApprovalCode } from './errors.ts';
import type { ApprovalRequest, ApprovalStore } from './store.ts';

export type Decision = 'approved' | 'rejected';

export type DecisionOutcome =
  | { ok: true; request: ApprovalRequest }
  | { ok: false; status: number; code: ErrorCode; message: string };

export interface DecisionsOptions {
  server: string;
  store: ApprovalStore;
  audit: ApprovalAudit;
  /** Scopes (any one) that make a caller an approver of `approver` requests. */
  approverScopes: readonly string[];
  /** How long an approved request stays executable. */
  ttlMs: number;
  now: () => Date;
}

const refused = (status: number, code: ErrorCode, message: string): DecisionOutcome => ({
  ok: false,
  status,
  code,
  message,
});

/**
 * The one place where a person decides a request, for the JSON API and the console alike:
 * `approver` requests are decided by someone else holding an approver scope, never the requester;
 * `confirm` requests only by their requester, and only where `confirmHere` (the console, signed in
 * interactively — never a bearer token the agent's client also holds). Every decision is
 * single-use (a conditional UPDATE) and every attempt is audited.
 */
export class ApprovalDecisions {
  private readonly options: DecisionsOptions;

  constructor(options: DecisionsOptions) {
    this.options = options;
  }

  get approverScopes(): readonly string[] {
    return this.options.approverScopes;
  }

  isApprover(caller: Caller): boolean {
    return this.options.approverScopes.some((s) => caller.scopes.includes(s));
  }

  /** Whether `caller` may decide `request` at all (for showing the buttons; `decide` re-checks). */
  mayDecide(caller: Caller, request: ApprovalRequest, confirmHere: boolean): boolean {
    if (request.policy === 'confirm') return confirmHere && request.requesterSubject === caller.subject;
    return (
      this.isApprover(caller) &&
      request.requesterSubject !== caller.subject &&
      !request.approvedBy.includes(caller.subject)
    );
  }

  async decide(
    actor: Caller,
    id: string,
    decision: Decision,
    reason: string | null,
    correlationId: string,
    via: 'http' | 'console',
  ): Promise<DecisionOutcome> {
    const { server, store, audit, now } = this.options;
    const at = now();
    const found = await store.get(id, server);
    if (!found) return refused(404, 'APPROVAL_NOT_FOUND', 'No approval request with this id on this server');
    const confirmHere = via === 'console';
    let decided: ApprovalRequest | undefined;
    if (found.policy === 'approver' && this.isApprover(actor)) {
      decided = await store.decide(
        id,
        server,
        decision,
        actor.subject,
        reason,
        at,
        new Date(at.getTime() + this.options.ttlMs),
      );
    } else if (found.policy === 'confirm' && confirmHere && found.requesterSubject === actor.subject) {
      decided = await store.confirm(id, server, decision, actor.subject, reason, at);
    }
    if (decided) {
      // One of several required approvals: recorded, the request stays pending for the next approver.
      const partial = decision === 'approved' && decided.status === 'pending';
      audit.fromDecision(
        actor,
        decided,
        {
          event: decision === 'approved' ? 'approval.approved' : 'approval.rejected',
          outcome: partial ? 'pending' : decision === 'approved' ? 'ok' : 'denied',
          detail: {
            via,
            ...(reason === null ? {} : { reason }),
            ...(decided.approvalsRequired > 1
              ? {
                  approvals: `${decided.approvedBy.length} of ${decided.approvalsRequired}`,
                  approvedBy: decided.approvedBy,
                }
              : {}),
          },
        },
        correlationId,
      );
      return { ok: true, request: decided };
    }
    const outcome = await this.refusal(actor, found, at, confirmHere, correlationId);
    audit.fromDecision(
      actor,
      found,
      {
        event: 'approval.refused',
        outcome: outcomeOf(outcome.ok ? null : outcome.code),
        errorCode: outcome.ok ? null : outcome.code,
        detail: { via, attempted: decision },
      },
      correlationId,
    );
    return outcome;
  }

  private async refusal(
    actor: Caller,
    found: ApprovalRequest,
    at: Date,
    confirmHere: boolean,
    correlationId: string,
  ): Promise<DecisionOutcome> {
    const { store, audit } = this.options;
    if (found.policy === 'confirm' && !confirmHere) {
      return refused(
        409,
        'APPROVAL_NOT_APPROVER_POLICY',
        'This request is confirmed by the person who made it, in the approvals console, not by an approver',
      );
    }
    if (found.policy === 'confirm' && found.requesterSubject !== actor.subject) {
      return refused(403, 'APPROVAL_NOT_YOURS', 'Only the person who made this request can confirm it');
    }
    if (found.policy === 'approver' && found.requesterSubject === actor.subject) {
      return refused(
        403,
        'APPROVAL_SELF_DECISION',
        'You cannot decide your own request: another approver must do it',
      );
    }
    if (found.policy === 'approver' && !this.isApprover(actor)) {
      return refused(
        403,
        'INSUFFICIENT_SCOPE',
        `Only approvers can do this: it needs the scope ${this.options.approverScopes.join(' or ')}`,
      );
    }
    if (
      found.policy === 'approver' &&
      found.status === 'pending' &&
      found.approvedBy.includes(actor.subject)
    ) {
      return refused(
        409,
        'APPROVAL_ALREADY_DECIDED',
        `You have already approved this request; it needs ${found.approvalsRequired} different approvers, so another approver must approve it`,
      );
    }
    if (found.status === 'expired' || (found.status === 'pending' && found.expiresAt <= at)) {
      const expired = await store.expire(found.id, at);
      if (expired)
        audit.fromDecision(
          actor,
          expired,
          {
            event: 'approval.expired',
            outcome: outcomeOf(ApprovalCode.Expired),
            errorCode: ApprovalCode.Expired,
          },
          correlationId,
        );
      return refused(
        410,
        'APPROVAL_EXPIRED',
        'This request has expired; the caller must request the change again',
      );
    }
    return refused(409, 'APPROVAL_ALREADY_DECIDED', `This request is already ${found.status}`);
  }
}
