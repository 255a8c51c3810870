import { randomUUID } from 'node:crypto';
import {
  type CallInfo,
  type CallOutcome,
  classifyFailure,
  classifyResult,
  type Interceptor,
  outcomeOf,
} from '@mcp-platform/protocol';
import { AUDIT_UNAVAILABLE, auditUnavailable } from './errors.ts';
import { type AuditOutcome, type AuditRecord, makeRecord, traceIdOf, whoColumns } from './record.ts';
import { redact } from './redact.ts';
import type { AuditTrail } from './trail.ts';
import { traceCorrelation } from './workflow-ids.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

function approvalInState(state: unknown): unknown {
  return typeof state === 'object' && state !== null ? (state as { approval?: unknown }).approval : undefined;
}

/** What inner features tell the audit interceptor about a call (the approval it ran under). */
export interface CallAnnotation {
  approvalId?: string;
}

const annotations = new WeakMap<CallInfo, CallAnnotation>();

/** Attaches facts to a call for its audit row (used by the approvals feature). */
export function annotateCall(call: CallInfo, annotation: CallAnnotation): void {
  annotations.set(call, { ...annotations.get(call), ...annotation });
}

/**
 * A write: a tool with an approval policy, or one that does not declare itself read-only.
 * Writes fail closed when their intent cannot be audited.
 */
export function isWriteCall(call: Pick<CallInfo, 'kind' | 'policy' | 'annotations'>): boolean {
  if (call.kind !== 'tool') return false;
  const approval = call.policy.approval;
  if (approval !== undefined && approval !== 'none') return true;
  return call.annotations?.readOnlyHint !== true;
}

/** The arguments as audited: validated when valid, as sent otherwise, sensitive paths redacted. */
export function auditedArguments(call: CallInfo): unknown {
  const source = call.args ?? call.rawArgs;
  const { approvalId: _approvalId, ...rest } = source;
  return redact(call.kind === 'tool' ? rest : source, call.policy.sensitive);
}

function outcomeOfResult(out: CallOutcome): { outcome: AuditOutcome; errorCode: string | null } {
  if (out.resultType === 'input_required') return { outcome: 'input_required', errorCode: null };
  const failed = classifyResult(out);
  return failed ? { outcome: failed.outcome, errorCode: failed.code } : { outcome: 'ok', errorCode: null };
}

/** The columns every row about `call` shares. */
export function callColumns(
  call: CallInfo,
  server: string,
): Omit<
  AuditRecord,
  'id' | 'at' | 'event' | 'outcome' | 'errorCode' | 'durationMs' | 'approvalId' | 'detail'
> {
  return {
    server,
    kind: call.kind,
    name: call.name,
    ...whoColumns(call.ctx.caller, call.ctx.client),
    correlationId: call.ctx.correlationId,
    traceId: traceIdOf(call.ctx.traceparent),
    ...traceCorrelation(call.ctx),
    arguments: auditedArguments(call),
    resultBytes: null,
    resultSha256: null,
    touched: [],
  };
}

/** Bytes of a row beyond its call columns (ids, times, outcome, digest, a few touched records). */
const ROW_OVERHEAD_BYTES = 768;

/** An upper estimate of the spooled size of a call's row, from what is known before it runs. */
export function estimateRowBytes(columns: object): number {
  return ROW_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(columns) ?? '', 'utf8');
}

/**
 * Audits every tools/call, resources/read and prompts/get: a write's intent row is stored
 * synchronously before it runs (or the call fails closed with AUDIT_UNAVAILABLE); the outcome row
 * of every call is queued and written in batches.
 */
export function auditInterceptor(trail: AuditTrail, server: string): Interceptor {
  return async (call, next) => {
    const columns = callColumns(call, server);
    const estimate = estimateRowBytes(columns);
    // Admission: room for this call's row is reserved in the spool before it runs, so it is either
    // refused here or its row is stored durably, even if PostgreSQL goes down meanwhile.
    const reserved = trail.reserve(estimate);
    const at = new Date().toISOString();
    const started = performance.now();
    // The approval a call claims: its approvalId argument, or the approval sealed in the verified
    // requestState of an inline (2026 input_required) confirmation.
    const claimed = call.args?.approvalId ?? call.rawArgs.approvalId ?? approvalInState(call.requestState);
    const claimedId = isUuid(claimed) ? claimed.toLowerCase() : null;
    const store = async (row: AuditRecord, result: unknown, room: number) => {
      // PostgreSQL healthy: batched (a crash loses at most one flush interval). PostgreSQL down:
      // the answer waits until the row is in the fsync'd spool (its room was reserved).
      if (trail.databaseDown) await trail.recordDurably(row, result, room);
      else trail.record(row, result, room);
    };
    /** The row of a write refused before it ran (nothing changed), stored like any other. */
    const recordRefusal = (room: number, reason: string) =>
      store(
        makeRecord({
          ...columns,
          id: randomUUID(),
          at,
          event: 'call',
          outcome: outcomeOf(AUDIT_UNAVAILABLE),
          errorCode: AUDIT_UNAVAILABLE,
          durationMs: performance.now() - started,
          approvalId: claimedId,
          detail: { refused: reason },
        }),
        undefined,
        room,
      );
    if (reserved === undefined) {
      // Saturated: the call is refused. A refused write is still recorded while the spool's
      // headroom for refusals lasts; after that it is only counted.
      const room = isWriteCall(call) ? trail.reserve(estimate, 'refusal') : undefined;
      if (room !== undefined) {
        await recordRefusal(room, 'no spool room for the call while the audit database is down');
      }
      throw auditUnavailable('the local audit spool is full and the audit database is down');
    }
    let intentId: string | null = null;
    if (isWriteCall(call)) {
      const intent = makeRecord({
        ...columns,
        id: randomUUID(),
        at,
        event: 'intent',
        outcome: 'pending',
        errorCode: null,
        durationMs: null,
        approvalId: claimedId,
        detail: null,
      });
      try {
        await trail.recordNow(intent);
      } catch (error) {
        await recordRefusal(reserved, 'the intent row could not be stored before the write');
        throw error;
      }
      intentId = intent.id;
    }
    const complete = (outcome: AuditOutcome, errorCode: string | null, result?: unknown) =>
      store(
        makeRecord({
          ...columns,
          id: randomUUID(),
          at,
          event: 'call',
          outcome,
          errorCode,
          durationMs: performance.now() - started,
          touched: [...call.touched],
          approvalId: annotations.get(call)?.approvalId ?? claimedId,
          detail: intentId === null ? null : { intentId },
        }),
        result,
        reserved,
      );
    let out: CallOutcome;
    try {
      out = await next();
    } catch (error) {
      const { outcome, code } = classifyFailure(error, call.ctx.signal);
      await complete(outcome, code);
      throw error;
    }
    const { outcome, errorCode } = outcomeOfResult(out);
    await complete(outcome, errorCode, out);
    return out;
  };
}
