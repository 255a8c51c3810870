import { type AuditQueryRow, formatTable, rowsAsJson } from './query.ts';
import type { RecordHistory, Workflow, WorkflowKey } from './workflow.ts';

function time(at: Date): string {
  return at.toISOString().replace('T', ' ');
}

function clientOf(row: AuditQueryRow): string {
  const described = [row.client_name, row.client_version].filter((v) => v !== null).join(' ');
  if (row.client_id !== null && described !== '') return `${row.client_id} (${described})`;
  return row.client_id ?? (described || '-');
}

function approvalOf(row: AuditQueryRow): string {
  if (row.approval_id === null) return '-';
  return row.approved_by === null ? `${row.approval_id.slice(0, 8)} (not approved)` : `${row.approved_by}`;
}

function describeKey(key: WorkflowKey): string {
  if (key.kind === 'trace') return `trace ${key.id}`;
  if (key.kind === 'session') return `session ${key.id}`;
  return `MCP session ${key.id}`;
}

function table(rows: readonly AuditQueryRow[]): string {
  const header = ['time (UTC)', 'server', 'tool', 'principal', 'client', 'outcome', 'records', 'approved by'];
  const lines = rows.map((row) => [
    time(row.at),
    row.server,
    row.event === 'call' ? row.name : `${row.name} [${row.event}]`,
    row.subject,
    clientOf(row),
    row.error_code === null ? row.outcome : `${row.outcome} (${row.error_code})`,
    row.touched.length === 0 ? '-' : row.touched.join(', '),
    approvalOf(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}

function summary(workflow: Workflow): string {
  const { rows } = workflow;
  if (rows.length === 0) return `Workflow ${describeKey(workflow.key)}: no matching audit rows.`;
  const servers = [...new Set(rows.map((r) => r.server))].sort();
  const principals = [...new Set(rows.map((r) => r.subject))].sort();
  const first = rows[0]!.at;
  const last = rows.at(-1)!.at;
  const lines = [
    `Workflow ${describeKey(workflow.key)}: ${rows.length} call${rows.length === 1 ? '' : 's'} on ${servers.join(', ')}, ` +
      `${time(first)} to ${time(last)}, by ${principals.join(', ')}`,
  ];
  if (principals.length > 1 && workflow.key.kind !== 'session') {
    // Trace ids are client-supplied: anyone can claim one. Each row's principal comes from its token.
    lines.push(
      `  note: ${principals.length} principals share this ${workflow.key.kind === 'trace' ? 'trace id' : 'session'}; ` +
        'trace ids are chosen by clients, the principal of each row by its verified token',
    );
  }
  return lines.join('\n');
}

/** One workflow as a table, with a summary line (servers, principals, time span). */
export function formatWorkflow(workflow: Workflow): string {
  const parts = [summary(workflow)];
  if (workflow.rows.length > 0) parts.push(table(workflow.rows));
  if (workflow.truncated) parts.push(`(only the first ${workflow.rows.length} rows: raise --limit)`);
  return `${parts.join('\n')}\n`;
}

/** A record's changes, then each workflow they belonged to. */
export function formatRecordHistory(history: RecordHistory): string {
  // The change itself first, exactly as `query --record` always printed it (with its arguments).
  const parts = [formatTable(history.changes).trimEnd(), ''];
  if (history.changes.length === 0) return formatTable(history.changes);
  const unlinked = history.changes.filter(
    (row) => row.trace_id === null && row.idp_session === null && row.mcp_session === null,
  );
  if (unlinked.length > 0) {
    parts.push(
      `${unlinked.length} change${unlinked.length === 1 ? '' : 's'} carried no trace context and no session: ` +
        'find the rest of that work with --principal and --since/--until.',
      '',
    );
  }
  for (const workflow of history.workflows) parts.push(formatWorkflow(workflow));
  return `${parts.join('\n').trimEnd()}\n`;
}

/** A row as a SIEM event: the `--json` fields plus the correlation fields and the workflow it is listed under. */
export function workflowEvent(
  row: AuditQueryRow,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...extra,
    ...rowsAsJson([row])[0],
    correlation: {
      traceId: row.trace_id,
      parentSpanId: row.parent_span_id,
      traceState: row.trace_state,
      traceSource: row.trace_source,
      idpSession: row.idp_session,
      tokenId: row.token_id,
      mcpSession: row.mcp_session,
    },
  };
}

/** JSON lines: one event per row (for a SIEM). */
export function workflowJsonLines(workflow: Workflow): string {
  const key = { workflow: { kind: workflow.key.kind, id: workflow.key.id } };
  return workflow.rows.map((row) => `${JSON.stringify(workflowEvent(row, key))}\n`).join('');
}

/** JSON lines of a record history: the changes (`role: change`), then each workflow's calls. */
export function recordHistoryJsonLines(history: RecordHistory): string {
  const lines = history.changes.map((row) =>
    JSON.stringify(workflowEvent(row, { role: 'change', record: history.record })),
  );
  for (const workflow of history.workflows) {
    const key = { kind: workflow.key.kind, id: workflow.key.id };
    for (const row of workflow.rows) {
      lines.push(
        JSON.stringify(workflowEvent(row, { role: 'workflow', record: history.record, workflow: key })),
      );
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}
