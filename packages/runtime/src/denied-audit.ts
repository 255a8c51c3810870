import { randomUUID } from 'node:crypto';
import type { Caller, CallKind, Policy, RefusedAnswer, ToolError } from '@mcp-platform/protocol';
import { type AuditRecord, makeRecord, traceIdOf, whoColumns } from './audit/record.ts';
import { redact } from './audit/redact.ts';
import type { RefusalBudget } from './audit/refusal-budget.ts';
import type { AuditTrail } from './audit/trail.ts';
import { mcpSessionDigest, traceCorrelation } from './audit/workflow-ids.ts';

/** A call refused at the HTTP layer (403 insufficient_scope), before it could reach the interceptor chain. */
export interface DeniedCall {
  kind: CallKind;
  name: string;
  policy: Policy;
  caller: Caller;
  requiredScopes: readonly string[];
  correlationId: string;
  traceparent: string | undefined;
  protocolVersion: string | undefined;
  /** `_meta` of a 2026-era request (client name and version). */
  meta: Record<string, unknown> | undefined;
  /** Arguments as sent (tools/prompts) or the template variables' source URI (resources). */
  rawArgs: unknown;
}

type RefusalFields = Omit<
  AuditRecord,
  'id' | 'at' | 'outcome' | 'durationMs' | 'resultBytes' | 'resultSha256' | 'touched' | 'approvalId'
>;

/** The row of something refused before it ran: outcome `denied`, nothing touched, no result. */
function refusalRow(fields: RefusalFields): AuditRecord {
  return makeRecord({
    id: randomUUID(),
    at: new Date().toISOString(),
    outcome: 'denied',
    durationMs: 0,
    resultBytes: null,
    resultSha256: null,
    touched: [],
    approvalId: null,
    ...fields,
  });
}

/**
 * Records a refused call in the audit trail (outcome `denied`), so an attempt with a token lacking
 * the scope is on record like every call that reached a handler. Past the principal's refusal
 * budget the row is folded into its summary and the RATE_LIMITED error to answer is returned.
 */
export function auditDeniedCall(
  trail: AuditTrail,
  server: string,
  call: DeniedCall,
  budget?: RefusalBudget,
): ToolError | undefined {
  const info = call.meta?.['io.modelcontextprotocol/clientInfo'] as
    | { name?: unknown; version?: unknown }
    | undefined;
  const version =
    (call.meta?.['io.modelcontextprotocol/protocolVersion'] as string | undefined) ?? call.protocolVersion;
  const row = refusalRow({
    server,
    event: 'call',
    kind: call.kind,
    name: call.name,
    ...whoColumns(call.caller, {
      era: version === undefined ? '2025' : version >= '2026-07-28' ? '2026' : '2025',
      protocolVersion: version ?? '2025-03-26',
      ...(typeof info?.name === 'string' ? { name: info.name } : {}),
      ...(typeof info?.version === 'string' ? { version: info.version } : {}),
    }),
    correlationId: call.correlationId,
    traceId: traceIdOf(call.traceparent),
    ...traceCorrelation(call.traceparent === undefined ? {} : { traceparent: call.traceparent }),
    arguments: redact(call.rawArgs, call.policy.sensitive),
    errorCode: 'INSUFFICIENT_SCOPE',
    detail: { requiredScopes: [...call.requiredScopes] },
  });
  if (budget && !budget.admit(row)) return budget.rateLimited(row.subject);
  trail.record(row);
  return undefined;
}

/**
 * Records an answer to a 2025-era server-to-client request (elicitation, sampling) refused because
 * it came from another principal or session than the one asked: who tried, the request id they
 * claimed and a digest of their session (never the answer itself).
 */
export function auditRefusedAnswer(trail: AuditTrail, server: string, refused: RefusedAnswer): void {
  trail.record(
    refusalRow({
      server,
      event: 'answer.refused',
      kind: 'tool',
      name: 'server-to-client answer',
      ...whoColumns(refused.caller, undefined),
      correlationId: refused.correlationId,
      traceId: null,
      ...(refused.sessionId === undefined ? {} : { mcpSession: mcpSessionDigest(refused.sessionId) }),
      arguments: {},
      errorCode: 'ANSWER_NOT_YOURS',
      detail: { requestId: refused.requestId, reason: 'sent to another principal or session' },
    }),
  );
}
