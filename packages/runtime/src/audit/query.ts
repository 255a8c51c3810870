import type pg from 'pg';
import type { AuditRow } from './stored-row.ts';

export interface AuditQuery {
  /** Backend record reference a call touched (exact, e.g. `crm:Opportunity/006A`). */
  record?: string;
  /** Tool, prompt or resource name. */
  tool?: string;
  /** Principal subject. */
  principal?: string;
  /** Earliest time. */
  since?: Date;
  /** Rows strictly before this time. */
  until?: Date;
  server?: string;
  /** Which events to include; default only completed calls. `['all']` for every event. */
  events?: readonly string[];
  /** Most rows returned (newest first). */
  limit?: number;
}

export interface AuditQueryRow extends AuditRow {
  /** Who approved the call's approval (the requester for `confirm`, the approver(s) for `approver`, comma-separated in order). */
  approved_by: string | null;
  approved_at: Date | null;
}

const DURATION = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `24h`, `7d`, `30m`, `90s` (before `now`) or an ISO-8601 date/time. */
export function parseSince(value: string, now = new Date(), option = '--since'): Date {
  const match = DURATION.exec(value.trim());
  if (match) return new Date(now.getTime() - Number(match[1]) * UNIT_MS[match[2]!]!);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`${option} ${value} is neither a duration like 24h/7d/30m nor an ISO-8601 date`);
  }
  return date;
}

/** Rows matching every given filter, newest first, each with who approved it (when it ran under an approval). */
export async function queryAudit(pool: pg.Pool, query: AuditQuery): Promise<AuditQueryRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (clause: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (query.record !== undefined) add((p) => `a.touched @> ARRAY[${p}]::text[]`, query.record);
  if (query.tool !== undefined) add((p) => `a.name = ${p}`, query.tool);
  if (query.principal !== undefined) add((p) => `a.subject = ${p}`, query.principal);
  if (query.since !== undefined) add((p) => `a.at >= ${p}`, query.since);
  if (query.until !== undefined) add((p) => `a.at < ${p}`, query.until);
  if (query.server !== undefined) add((p) => `a.server = ${p}`, query.server);
  const events = query.events ?? ['call'];
  if (!events.includes('all')) add((p) => `a.event = ANY(${p}::text[])`, events);
  params.push(Math.min(Math.max(query.limit ?? 100, 1), 10_000));
  const { rows } = await pool.query<AuditQueryRow>(
    `SELECT a.*, d.subject AS approved_by, d.at AS approved_at
       FROM audit_log a
       LEFT JOIN LATERAL (
         SELECT string_agg(d.subject, ', ' ORDER BY d.seq) AS subject, max(d.at) AS at FROM audit_log d
          WHERE d.approval_id = a.approval_id AND d.event = 'approval.approved'
       ) d ON a.approval_id IS NOT NULL
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.at DESC, a.seq DESC
      LIMIT $${params.length}`,
    params,
  );
  return rows;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function clientOf(row: AuditRow): string {
  const described = [row.client_name, row.client_version].filter((v) => v !== null).join(' ');
  if (row.client_id !== null && described !== '') return `${row.client_id} (${described})`;
  return row.client_id ?? (described || '-');
}

/** A plain-text table answering "who did what to which record, when, with which arguments". */
export function formatTable(rows: readonly AuditQueryRow[], argumentsWidth = 120): string {
  if (rows.length === 0) return 'No matching audit rows.\n';
  const header = [
    'time (UTC)',
    'principal',
    'client',
    'tool',
    'outcome',
    'records',
    'approved by',
    'arguments',
  ];
  const lines = rows.map((row) => [
    row.at
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
    row.subject,
    clientOf(row),
    row.name,
    row.error_code === null ? row.outcome : `${row.outcome} (${row.error_code})`,
    row.touched.length === 0 ? '-' : row.touched.join(', '),
    row.approved_by === null
      ? row.approval_id === null
        ? '-'
        : `(approval ${row.approval_id.slice(0, 8)})`
      : row.approved_by,
    clip(JSON.stringify(row.arguments ?? null), argumentsWidth),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n')}\n`;
}

/** Rows as JSON-friendly objects (the `--json` output). */
export function rowsAsJson(rows: readonly AuditQueryRow[]): Array<Record<string, unknown>> {
  return rows.map((row) => ({
    at: row.at.toISOString(),
    server: row.server,
    event: row.event,
    kind: row.kind,
    name: row.name,
    principal: { subject: row.subject, kind: row.principal_kind, clientId: row.client_id },
    client: {
      name: row.client_name,
      version: row.client_version,
      era: row.protocol_era,
      protocolVersion: row.protocol_version,
    },
    correlationId: row.correlation_id,
    traceId: row.trace_id,
    arguments: row.arguments,
    outcome: row.outcome,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    result: row.result_bytes === null ? null : { bytes: row.result_bytes, sha256: row.result_sha256 },
    touched: row.touched,
    approval:
      row.approval_id === null
        ? null
        : {
            id: row.approval_id,
            approvedBy: row.approved_by,
            approvedAt: row.approved_at?.toISOString() ?? null,
          },
    detail: row.detail,
    id: row.id,
    chain: { id: row.chain_id, seq: Number(row.chain_seq) },
  }));
}
