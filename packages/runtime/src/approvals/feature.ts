import type pg from 'pg';
import { createPool } from '../audit/pool.ts';
import type { AuditTrail } from '../audit/trail.ts';
import type { RuntimeFeature } from '../feature.ts';
import { ApprovalAudit } from './audit-steps.ts';
import { type ConsoleOptions, registerApprovalConsole } from './console/routes.ts';
import { ApprovalDecisions } from './decisions.ts';
import type { ApprovalState } from './elicitation.ts';
import { approvalInterceptor } from './interceptor.ts';
import { registerApprovalRoutes } from './routes.ts';
import { ApprovalStore } from './store.ts';
import type { ApprovalNotifier } from './webhooks.ts';

export interface ApprovalsFeatureOptions {
  /** Server name: approvals are scoped to it. */
  server: string;
  /** PostgreSQL holding `approval_requests`; ignored when `pool` is given. */
  databaseUrl?: string;
  /** A pool to share (not closed by the feature). */
  pool?: pg.Pool;
  /** Where every approval step is audited (the audit feature's `trail`). */
  audit?: AuditTrail;
  /** How long a request (and, once approved, its execution window) stays valid. Default 10 minutes. */
  ttlMs?: number;
  /** Scopes (any one) of approvers for `approver` requests. Default `<server>:approve`. */
  approverScopes?: readonly string[];
  /**
   * Seals a `requestState` for the inline 2026 confirmation, e.g.
   * `(p) => createStateCodec(REQUEST_STATE_SECRET).mint(p)` with the same secret as `mcpPlugin`.
   * Without it every client gets the APPROVAL_REQUIRED + approvalId flow.
   */
  mintState?: (payload: ApprovalState) => Promise<string>;
  /** Public base URL of the server (`PUBLIC_URL`): messages link to `<publicUrl>/approvals/<id>`. */
  publicUrl?: string;
  /** Sends webhook notifications about new `approver` requests (closed with the feature). */
  notifier?: ApprovalNotifier;
  /** The approver console under `/approvals/` (off when absent). */
  console?: Pick<ConsoleOptions, 'publicUrl' | 'sessionSecret' | 'signIn'>;
  /** Clock (tests). */
  now?: () => Date;
}

export interface ApprovalsFeature extends RuntimeFeature {
  store: ApprovalStore;
  /** Decisions by people (API and console): the approver-role and confirm-by-the-requester rules. */
  decisions: ApprovalDecisions;
}

/** Approvals for write tools (`policy.approval`): the interceptor and the `/approvals` HTTP API. */
export function createApprovalsFeature(options: ApprovalsFeatureOptions): ApprovalsFeature {
  const ownsPool = options.pool === undefined;
  if (ownsPool && options.databaseUrl === undefined) {
    throw new Error('createApprovalsFeature needs databaseUrl or pool: set DATABASE_URL');
  }
  const pool = options.pool ?? createPool(options.databaseUrl!, { max: 4 });
  const store = new ApprovalStore(pool);
  const audit = new ApprovalAudit(options.audit, options.server);
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`approvals ttlMs must be positive, got ${ttlMs}`);
  const now = options.now ?? (() => new Date());
  const decisions = new ApprovalDecisions({
    server: options.server,
    store,
    audit,
    approverScopes: options.approverScopes ?? [`${options.server}:approve`],
    ttlMs,
    now,
  });
  return {
    name: 'approvals',
    stage: 'approve',
    store,
    decisions,
    interceptors: [
      approvalInterceptor({
        server: options.server,
        store,
        audit,
        ttlMs,
        now,
        mintState: options.mintState,
        onRequested: options.notifier ? (request) => options.notifier!.notify(request) : undefined,
        consoleUrl:
          options.publicUrl === undefined
            ? undefined
            : (id) => `${options.publicUrl!.replace(/\/+$/, '')}/approvals/requests/${id}`,
      }),
    ],
    register(app) {
      registerApprovalRoutes(app, {
        server: options.server,
        store,
        audit,
        decisions,
        now,
      });
      if (options.console) {
        registerApprovalConsole(app, {
          ...options.console,
          server: options.server,
          store,
          decisions,
          pool,
          now,
        });
      }
    },
    // Degraded, not unready: while PostgreSQL is down approval-gated tools fail closed
    // (APPROVAL_UNAVAILABLE) but reads keep being served, so the pod stays in rotation.
    async ready() {
      try {
        await pool.query('SELECT 1 FROM approval_requests LIMIT 1');
        return { ok: true };
      } catch (error) {
        return { ok: true, detail: `approvals: ${(error as Error).message}; approval-gated tools refused` };
      }
    },
    async close() {
      await options.notifier?.close();
      if (ownsPool) await pool.end();
    },
  };
}
