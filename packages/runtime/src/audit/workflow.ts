import type pg from 'pg';
import type { AuditQueryRow } from './query.ts';
import { mcpSessionDigest } from './workflow-ids.ts';

/** Which calls make up one agent workflow, and what narrows them. */
export interface WorkflowQuery {
  /** W3C trace id (32 hex): every call that came in under it, on every server of the trail. */
  trace?: string;
  /** IdP session (`sid`) or a 2025-era `Mcp-Session-Id` (compared by digest). */
  session?: string;
  principal?: string;
  since?: Date;
  until?: Date;
  server?: string;
  /** Event kinds; default completed calls only. `['all']` for every event. */
  events?: readonly string[];
  /** Most rows per workflow (oldest first). */
  limit?: number;
}

/** How one workflow is identified, in order of preference: trace, IdP session, MCP session. */
export type WorkflowKey =
  | { kind: 'trace'; id: string }
  | { kind: 'session'; id: string }
  | { kind: 'mcp-session'; id: string };

export interface Workflow {
  key: WorkflowKey;
  rows: AuditQueryRow[];
  /** The limit cut the list short. */
  truncated: boolean;
}

export interface RecordHistory {
  record: string;
  /** The rows that touched the record (as `queryAudit` returns them: newest first). */
  changes: AuditQueryRow[];
  /** The workflows those changes belonged to; empty when no change carried a trace or session. */
  workflows: Workflow[];
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 100_000;

/** Checks a trace id argument: 32 lower-case hex digits, not all zero (what W3C `traceparent` carries). */
export function parseTraceId(value: string): string {
  const id = value.trim().toLowerCase();
  if (!TRACE_ID.test(id) || /^0+$/.test(id)) {
    throw new Error(
      `--trace ${value} is not a W3C trace id: expected 32 hex digits, e.g. 4bf92f3577b34da6a3ce929d0e0e4736 (the second field of a traceparent)`,
    );
  }
  return id;
}

const SELECT = `
SELECT a.*, d.subject AS approved_by, d.at AS approved_at
  FROM audit_log a
  LEFT JOIN LATERAL (
    SELECT subject, at FROM audit_log d
     WHERE d.approval_id = a.approval_id AND d.event = 'approval.approved'
     ORDER BY d.seq LIMIT 1
  ) d ON a.approval_id IS NOT NULL`;

interface Filters {
  where: string[];
  params: unknown[];
}

function filters(query: Omit<WorkflowQuery, 'trace' | 'session' | 'limit'>): Filters {
  const f: Filters = { where: [], params: [] };
  const add = (clause: (p: string) => string, value: unknown) => {
    f.params.push(value);
    f.where.push(clause(`$${f.params.length}`));
  };
  if (query.principal !== undefined) add((p) => `a.subject = ${p}`, query.principal);
  if (query.since !== undefined) add((p) => `a.at >= ${p}`, query.since);
  if (query.until !== undefined) add((p) => `a.at < ${p}`, query.until);
  if (query.server !== undefined) add((p) => `a.server = ${p}`, query.server);
  const events = query.events ?? ['call'];
  if (!events.includes('all')) add((p) => `a.event = ANY(${p}::text[])`, events);
  return f;
}

function limitOf(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

async function selectRows(
  pool: pg.Pool,
  f: Filters,
  limit: number,
): Promise<{ rows: AuditQueryRow[]; truncated: boolean }> {
  const params = [...f.params, limit + 1];
  const { rows } = await pool.query<AuditQueryRow>(
    `${SELECT}
      WHERE ${f.where.join(' AND ')}
      ORDER BY a.at, a.seq
      LIMIT $${params.length}`,
    params,
  );
  const truncated = rows.length > limit;
  return { rows: truncated ? rows.slice(0, limit) : rows, truncated };
}

/** The SQL condition (and its parameters) selecting one workflow's rows; each is served by an index. */
function keyFilter(key: WorkflowKey, f: Filters): Filters {
  const params = [...f.params];
  const where = [...f.where];
  if (key.kind === 'trace') {
    params.push(key.id);
    where.unshift(`a.trace_id = $${params.length}`);
  } else if (key.kind === 'session') {
    // One argument answers both: the IdP `sid`, or the Mcp-Session-Id a 2025 client showed.
    params.push(key.id, mcpSessionDigest(key.id));
    where.unshift(`(a.idp_session = $${params.length - 1} OR a.mcp_session = $${params.length})`);
  } else {
    params.push(key.id);
    where.unshift(`a.mcp_session = $${params.length}`);
  }
  return { where, params };
}

/** Every call of one workflow across the servers of the trail, in time order. */
export async function queryWorkflow(pool: pg.Pool, query: WorkflowQuery): Promise<Workflow> {
  if ((query.trace === undefined) === (query.session === undefined)) {
    throw new Error('queryWorkflow needs exactly one of trace or session');
  }
  const key: WorkflowKey =
    query.trace !== undefined
      ? { kind: 'trace', id: parseTraceId(query.trace) }
      : { kind: 'session', id: query.session as string };
  const { rows, truncated } = await selectRows(pool, keyFilter(key, filters(query)), limitOf(query.limit));
  return { key, rows, truncated };
}

/** The workflow a row belongs to: its trace, else its IdP session, else its MCP session. */
export function workflowKeyOf(row: AuditQueryRow): WorkflowKey | undefined {
  if (row.trace_id !== null) return { kind: 'trace', id: row.trace_id };
  if (row.idp_session !== null) return { kind: 'session', id: row.idp_session };
  if (row.mcp_session !== null) return { kind: 'mcp-session', id: row.mcp_session };
  return undefined;
}

/**
 * The workflows a record's changes belonged to (`rows`: what `queryAudit` found for `--record`): for each
 * distinct workflow among them, every call of that workflow. `--since`/`--until`/`--server`/`--events`
 * narrow these too; `--principal` does not (a workflow is every call that joined it).
 */
export async function workflowsOf(
  pool: pg.Pool,
  rows: readonly AuditQueryRow[],
  query: Omit<WorkflowQuery, 'trace' | 'session' | 'principal'> = {},
): Promise<Workflow[]> {
  const keys = new Map<string, WorkflowKey>();
  for (const row of [...rows].reverse()) {
    const key = workflowKeyOf(row);
    if (key) keys.set(`${key.kind}:${key.id}`, key);
  }
  const workflows: Workflow[] = [];
  for (const key of keys.values()) {
    const { rows: calls, truncated } = await selectRows(
      pool,
      keyFilter(key, filters(query)),
      limitOf(query.limit),
    );
    workflows.push({ key, rows: calls, truncated });
  }
  return workflows;
}
