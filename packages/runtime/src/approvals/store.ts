import type { ChangePreview } from '@mcp-platform/protocol';
import type pg from 'pg';

export type ApprovalPolicyKind = 'confirm' | 'approver';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executed' | 'expired';

export interface ApprovalRequest {
  id: string;
  server: string;
  tool: string;
  policy: ApprovalPolicyKind;
  argsHash: string;
  /** Arguments as shown to approvers (sensitive paths redacted). */
  arguments: unknown;
  preview: ChangePreview;
  requesterSubject: string;
  /** '' when the caller had no client id. */
  requesterClientId: string;
  status: ApprovalStatus;
  createdAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  executedAt: Date | null;
  correlationId: string | null;
  /** Distinct approvers an `approver` request needs (1 unless the tool's preview asked for more). */
  approvalsRequired: number;
  /** Who approved so far, in order (the request is `approved` once there are `approvalsRequired`). */
  approvedBy: string[];
}

interface Row {
  id: string;
  server: string;
  tool: string;
  policy: ApprovalPolicyKind;
  args_hash: string;
  arguments: unknown;
  preview: ChangePreview;
  requester_subject: string;
  requester_client_id: string;
  status: ApprovalStatus;
  created_at: Date;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  executed_at: Date | null;
  correlation_id: string | null;
  approvals_required: number;
  approved_by: string[];
}

function fromRow(row: Row): ApprovalRequest {
  return {
    id: row.id,
    server: row.server,
    tool: row.tool,
    policy: row.policy,
    argsHash: row.args_hash,
    arguments: row.arguments,
    preview: row.preview,
    requesterSubject: row.requester_subject,
    requesterClientId: row.requester_client_id,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    reason: row.reason,
    executedAt: row.executed_at,
    correlationId: row.correlation_id,
    approvalsRequired: row.approvals_required,
    approvedBy: row.approved_by,
  };
}

/** The exact call an approval is bound to. */
export interface Binding {
  server: string;
  tool: string;
  argsHash: string;
  requesterSubject: string;
  requesterClientId: string;
}

/**
 * Approval requests in PostgreSQL. Every state change is one conditional UPDATE, so two replicas
 * (or two concurrent calls) can never both win the same transition.
 */
export class ApprovalStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async create(
    request: Omit<
      ApprovalRequest,
      'status' | 'decidedBy' | 'decidedAt' | 'reason' | 'executedAt' | 'approvalsRequired' | 'approvedBy'
    > & { approvalsRequired?: number },
  ): Promise<ApprovalRequest> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO approval_requests (id, server, tool, policy, args_hash, arguments, preview, requester_subject,
         requester_client_id, status, created_at, expires_at, correlation_id, approvals_required)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, 'pending', $10, $11, $12, $13)
       RETURNING *`,
      [
        request.id,
        request.server,
        request.tool,
        request.policy,
        request.argsHash,
        JSON.stringify(request.arguments ?? null),
        JSON.stringify(request.preview),
        request.requesterSubject,
        request.requesterClientId,
        request.createdAt,
        request.expiresAt,
        request.correlationId,
        request.approvalsRequired ?? 1,
      ],
    );
    return fromRow(rows[0]!);
  }

  async get(id: string, server: string): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM approval_requests WHERE id = $1 AND server = $2',
      [id, server],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** Pending, unexpired requests of a server, oldest first. */
  async listPending(server: string, now: Date, limit = 200): Promise<ApprovalRequest[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM approval_requests WHERE server = $1 AND status = 'pending' AND expires_at > $2
       ORDER BY created_at LIMIT $3`,
      [server, now, limit],
    );
    return rows.map(fromRow);
  }

  /**
   * Consumes an approval for execution, atomically: succeeds for exactly one caller, and only when
   * the request is bound to this exact call, unexpired, and in the state its policy executes from
   * (`confirm`: pending, confirmed by this very call; `approver`: approved by someone else).
   */
  async consume(
    id: string,
    binding: Binding,
    now: Date,
    /** A `confirm` request may run while still pending (confirmed by this very call: elicitation, or opt-out). */
    pendingConfirmRuns = false,
  ): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'executed', executed_at = $7
        WHERE id = $1 AND server = $2 AND tool = $3 AND args_hash = $4
          AND requester_subject = $5 AND requester_client_id = $6
          AND expires_at > $7
          AND (status = 'approved' OR (policy = 'confirm' AND status = 'pending' AND $8::boolean))
        RETURNING *`,
      [
        id,
        binding.server,
        binding.tool,
        binding.argsHash,
        binding.requesterSubject,
        binding.requesterClientId,
        now,
        pendingConfirmRuns,
      ],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /**
   * An approver's decision on an `approver` request; never by the requester, never twice by the same
   * approver; only while pending. An approval short of `approvals_required` records the approver and
   * keeps the request pending; a rejection by any approver closes it.
   */
  async decide(
    id: string,
    server: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    reason: string | null,
    now: Date,
    /** For approvals: the new expiry (the requester gets a fresh window to execute). */
    executeBy: Date,
  ): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests
          SET status = CASE WHEN $3 = 'approved' AND cardinality(approved_by) + 1 < approvals_required
                            THEN 'pending' ELSE $3 END,
              approved_by = CASE WHEN $3 = 'approved' THEN approved_by || $4::text ELSE approved_by END,
              decided_by = $4, decided_at = $6, reason = $5,
              expires_at = CASE WHEN $3 = 'approved' AND cardinality(approved_by) + 1 >= approvals_required
                                THEN $7 ELSE expires_at END
        WHERE id = $1 AND server = $2 AND policy = 'approver' AND status = 'pending'
          AND expires_at > $6 AND requester_subject <> $4 AND NOT ($4 = ANY(approved_by))
        RETURNING *`,
      [id, server, decision, decidedBy, reason, now, executeBy],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /**
   * The requester's own decision on their `confirm` request, made in the console signed in as
   * themself: `approved` lets the next call with the approval id run, `rejected` closes it.
   */
  async confirm(
    id: string,
    server: string,
    decision: 'approved' | 'rejected',
    subject: string,
    reason: string | null,
    now: Date,
  ): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = $3, decided_by = $4, decided_at = $6, reason = $5
        WHERE id = $1 AND server = $2 AND policy = 'confirm' AND status = 'pending'
          AND expires_at > $6 AND requester_subject = $4
        RETURNING *`,
      [id, server, decision, subject, reason, now],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /**
   * Requests for the console, newest first: `pending` (unexpired, waiting) or `closed` (decided,
   * executed or expired), optionally only those `requester` made, filtered by tool, requester and age.
   */
  async list(
    server: string,
    now: Date,
    options: {
      state: 'pending' | 'closed';
      requester?: string | undefined;
      tool?: string | undefined;
      policy?: ApprovalPolicyKind | undefined;
      since?: Date | undefined;
      limit?: number;
    },
  ): Promise<ApprovalRequest[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM approval_requests
        WHERE server = $1
          AND CASE WHEN $2 = 'pending' THEN status = 'pending' AND expires_at > $3
                   ELSE NOT (status = 'pending' AND expires_at > $3) END
          AND ($4::text IS NULL OR requester_subject = $4)
          AND ($5::text IS NULL OR tool = $5)
          AND ($6::text IS NULL OR policy = $6)
          AND ($7::timestamptz IS NULL OR created_at >= $7)
        ORDER BY created_at DESC LIMIT $8`,
      [
        server,
        options.state,
        now,
        options.requester ?? null,
        options.tool ?? null,
        options.policy ?? null,
        options.since ?? null,
        options.limit ?? 200,
      ],
    );
    return rows.map(fromRow);
  }

  /** The requester declines their own `confirm` request (elicitation answered no). */
  async decline(
    id: string,
    binding: Binding,
    reason: string,
    now: Date,
  ): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'rejected', decided_by = $5, decided_at = $7, reason = $8
        WHERE id = $1 AND server = $2 AND tool = $3 AND args_hash = $4
          AND requester_subject = $5 AND requester_client_id = $6
          AND policy = 'confirm' AND status = 'pending' AND expires_at > $7
        RETURNING *`,
      [
        id,
        binding.server,
        binding.tool,
        binding.argsHash,
        binding.requesterSubject,
        binding.requesterClientId,
        now,
        reason,
      ],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** Marks an expired request `expired` (once); returns it when this call made the change. */
  async expire(id: string, now: Date): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'expired'
        WHERE id = $1 AND status IN ('pending', 'approved') AND expires_at <= $2
        RETURNING *`,
      [id, now],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** Marks every expired request of a server `expired`; returns those it changed. */
  async expireAll(server: string, now: Date): Promise<ApprovalRequest[]> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'expired'
        WHERE server = $1 AND status IN ('pending', 'approved') AND expires_at <= $2
        RETURNING *`,
      [server, now],
    );
    return rows.map(fromRow);
  }
}
