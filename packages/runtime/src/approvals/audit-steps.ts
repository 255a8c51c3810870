import { randomUUID } from 'node:crypto';
import type { Caller, CallInfo } from '@mcp-platform/protocol';
import { callColumns } from '../audit/interceptor.ts';
import { type AuditEvent, type AuditOutcome, makeRecord, whoColumns } from '../audit/record.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { ApprovalRequest } from './store.ts';

export interface Step {
  event: Extract<AuditEvent, `approval.${string}`>;
  outcome: AuditOutcome;
  errorCode?: string | null;
  detail?: Record<string, unknown>;
}

/** Writes one audit row per approval step, from a tool call or from the HTTP API. */
export class ApprovalAudit {
  private readonly trail: AuditTrail | undefined;
  private readonly server: string;

  constructor(trail: AuditTrail | undefined, server: string) {
    this.trail = trail;
    this.server = server;
  }

  /** A step taken inside a tools/call (requested, executed, refused, declined, expired). */
  fromCall(call: CallInfo, approvalId: string | null, step: Step): void {
    this.trail?.record(
      makeRecord({
        ...callColumns(call, this.server),
        id: randomUUID(),
        at: new Date().toISOString(),
        event: step.event,
        outcome: step.outcome,
        errorCode: step.errorCode ?? null,
        durationMs: null,
        approvalId,
        detail: step.detail ?? null,
      }),
    );
  }

  /** A decision through `/approvals` (or an expiry found there): the actor is the HTTP caller. */
  fromDecision(actor: Caller, approval: ApprovalRequest, step: Step, correlationId: string | null): void {
    this.trail?.record(
      makeRecord({
        server: this.server,
        kind: 'tool',
        name: approval.tool,
        ...whoColumns(actor, undefined),
        correlationId,
        traceId: null,
        arguments: approval.arguments,
        resultBytes: null,
        resultSha256: null,
        touched: [],
        id: randomUUID(),
        at: new Date().toISOString(),
        event: step.event,
        outcome: step.outcome,
        errorCode: step.errorCode ?? null,
        durationMs: null,
        approvalId: approval.id,
        detail: {
          policy: approval.policy,
          requester: { subject: approval.requesterSubject, clientId: approval.requesterClientId || null },
          ...step.detail,
        },
      }),
    );
  }
}
