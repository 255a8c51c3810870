import { type Caller, type ErrorCode, outcomeOf } from '@mcp-platform/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isUuid } from '../audit/interceptor.ts';
import type { ApprovalAudit } from './audit-steps.ts';
import type { ApprovalDecisions } from './decisions.ts';
import { ApprovalCode } from './errors.ts';
import { markPreview } from './preview-marking.ts';
import type { ApprovalRequest, ApprovalStore } from './store.ts';

export interface ApprovalRoutesOptions {
  server: string;
  store: ApprovalStore;
  audit: ApprovalAudit;
  decisions: ApprovalDecisions;
  now: () => Date;
  prefix?: string;
}

const DecisionBody = z
  .object({ reason: z.string().max(1000).optional() })
  .strict()
  .optional();

/** The JSON view of a request (arguments are already redacted). */
export function approvalView(a: ApprovalRequest): Record<string, unknown> {
  return {
    id: a.id,
    server: a.server,
    tool: a.tool,
    policy: a.policy,
    status: a.status,
    arguments: a.arguments,
    preview: markPreview(a.preview),
    requester: { subject: a.requesterSubject, clientId: a.requesterClientId || null },
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    reason: a.reason,
    executedAt: a.executedAt?.toISOString() ?? null,
    approvalsRequired: a.approvalsRequired,
    approvedBy: a.approvedBy,
  };
}

type Handler = (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => Promise<unknown>;

/** A database failure answers 503 with a stable code instead of a generic 500. */
function safely(handler: Handler): Handler {
  return async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      request.log.error({ err: error }, 'approvals API failed');
      return send(
        reply,
        503,
        ApprovalCode.Unavailable,
        'Approvals cannot be read or changed right now; try again shortly',
      );
    }
  };
}

function send(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  return reply.code(status).send({ error: code, message });
}

/**
 * The approver's HTTP API: list pending requests, read one, approve or reject one. Callers come from
 * the runtime's auth hook (`request.caller`); approvers hold one of `approverScopes`; nobody decides
 * their own request.
 */
export function registerApprovalRoutes(app: FastifyInstance, options: ApprovalRoutesOptions): void {
  const { server, store, audit, decisions, now } = options;
  const base = options.prefix ?? '/approvals';

  const callerOf = (request: FastifyRequest, reply: FastifyReply): Caller | undefined => {
    const caller = request.caller;
    if (!caller || caller.kind === 'anonymous') {
      send(reply, 401, 'UNAUTHENTICATED', 'Authenticate with an access token to use the approvals API');
      return undefined;
    }
    return caller;
  };
  const isApprover = (caller: Caller) => decisions.isApprover(caller);
  const forbidden = (reply: FastifyReply) =>
    send(
      reply,
      403,
      'INSUFFICIENT_SCOPE',
      `Only approvers can do this: it needs the scope ${decisions.approverScopes.join(' or ')}`,
    );
  const notFound = (reply: FastifyReply) =>
    send(reply, 404, 'APPROVAL_NOT_FOUND', 'No approval request with this id on this server');

  const sweep = async (actor: Caller, correlationId: string) => {
    for (const expired of await store.expireAll(server, now())) {
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
    }
  };

  app.get(
    base,
    safely(async (request, reply) => {
      const caller = callerOf(request, reply);
      if (!caller) return reply;
      if (!isApprover(caller)) return forbidden(reply);
      await sweep(caller, request.id);
      // Approvers decide `approver` requests only; `confirm` requests belong to their requester.
      const pending = await store.list(server, now(), { state: 'pending', policy: 'approver' });
      return { approvals: pending.reverse().map(approvalView) };
    }),
  );

  app.get<{ Params: { id: string } }>(
    `${base}/:id`,
    safely(async (request, reply) => {
      const caller = callerOf(request, reply);
      if (!caller) return reply;
      if (!isUuid(request.params.id)) return notFound(reply);
      const found = await store.get(request.params.id.toLowerCase(), server);
      // Requesters may read their own requests; approvers read all of them.
      if (!found || (!isApprover(caller) && found.requesterSubject !== caller.subject))
        return notFound(reply);
      return approvalView(found);
    }),
  );

  const decide =
    (decision: 'approved' | 'rejected') =>
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const caller = callerOf(request, reply);
      if (!caller) return reply;
      if (!isApprover(caller)) return forbidden(reply);
      const body = DecisionBody.safeParse(request.body === null ? undefined : request.body);
      if (!body.success) {
        return send(
          reply,
          400,
          'INVALID_BODY',
          'Send a JSON object like {"reason": "..."} (reason optional, at most 1000 characters)',
        );
      }
      if (!isUuid(request.params.id)) return notFound(reply);
      const outcome = await decisions.decide(
        caller,
        request.params.id.toLowerCase(),
        decision,
        body.data?.reason ?? null,
        request.id,
        'http',
      );
      if (outcome.ok) return approvalView(outcome.request);
      return send(reply, outcome.status, outcome.code, outcome.message);
    };

  app.post<{ Params: { id: string } }>(`${base}/:id/approve`, safely(decide('approved')));
  app.post<{ Params: { id: string } }>(`${base}/:id/reject`, safely(decide('rejected')));
}
