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
    request: Omit<ApprovalRequest, 'status' | 'decidedBy' | 'decidedAt' | 'reason' | 'executedAt'>,
  ): Promise<ApprovalRequest> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO approval_requests (id, server, tool, policy, args_hash, arguments, preview, requester_subject,
         requester_client_id, status, created_at, expires_at, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, 'pending', $10, $11, $12)
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
  async consume(id: string, binding: Binding, now: Date): Promise<ApprovalRequest | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'executed', executed_at = $7
        WHERE id = $1 AND server = $2 AND tool = $3 AND args_hash = $4
          AND requester_subject = $5 AND requester_client_id = $6
          AND expires_at > $7
          AND status = CASE policy WHEN 'confirm' THEN 'pending' ELSE 'approved' END
        RETURNING *`,
      [
        id,
        binding.server,
        binding.tool,
        binding.argsHash,
        binding.requesterSubject,
        binding.requesterClientId,
        now,
      ],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** An approver's decision on an `approver` request; never by the requester; only while pending. */
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
          SET status = $3, decided_by = $4, decided_at = $6, reason = $5,
              expires_at = CASE WHEN $3 = 'approved' THEN $7 ELSE expires_at END
        WHERE id = $1 AND server = $2 AND policy = 'approver' AND status = 'pending'
          AND expires_at > $6 AND requester_subject <> $4
        RETURNING *`,
      [id, server, decision, decidedBy, reason, now, executeBy],
    );
    return rows[0] && fromRow(rows[0]);
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
