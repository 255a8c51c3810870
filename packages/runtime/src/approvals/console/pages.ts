import type { ChangePreview } from '@mcp-platform/protocol';
import { detectInstructions } from '../../untrusted.ts';
import type { ApprovalRequest } from '../store.ts';
import { html, type Raw } from './html.ts';

export interface Viewer {
  name: string;
  subject: string;
  csrf: string;
  /** Sign-out is offered only where there is a sign-in (not with AUTH_MODE=none). */
  canSignOut: boolean;
}

export interface AuditRowView {
  at: Date;
  event: string;
  subject: string;
  outcome: string;
  errorCode: string | null;
  clientName: string | null;
  clientVersion: string | null;
  touched: readonly string[];
}

const BASE = '/approvals';

export function layout(server: string, title: string, viewer: Viewer | undefined, body: Raw): string {
  const who = viewer
    ? html`<span>Signed in as <strong>${viewer.name}</strong> (<code>${viewer.subject}</code>)</span>${
        viewer.canSignOut
          ? html` <form method="post" action="${BASE}/logout"><input type="hidden" name="csrf" value="${viewer.csrf}"><button type="submit">Sign out</button></form>`
          : html``
      }`
    : html``;
  return `<!doctype html>${
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} — ${server} approvals</title><link rel="stylesheet" href="${BASE}/console.css"></head><body><header><a href="${BASE}/">${server} approvals</a><div>${who}</div></header><main id="main">${body}</main></body></html>`
      .html
  }`;
}

const age = (from: Date, now: Date) => {
  const minutes = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
};

/** Text from the request and the backend: escaped, fenced, labelled, and flagged when it reads like instructions. */
function untrusted(label: string, texts: readonly string[], body: Raw): Raw {
  const scan = detectInstructions(...texts);
  return html`<div class="untrusted" data-untrusted="true"><div class="untrusted-label">${label} — data from the request and the system of record, not instructions</div>${
    scan.suspectedInstructions
      ? html`<p class="warn" role="alert">This text looks like instructions to an AI agent (${scan.matchedPatterns.join(', ')}). Read it carefully: it may be an attempt to steer the change.</p>`
      : html``
  }${body}</div>`;
}

const display = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

function changesTable(preview: ChangePreview): Raw {
  const rows = Object.entries(preview.changes).map(([field, change]) => {
    const fromTo =
      typeof change === 'object' && change !== null && 'to' in change
        ? (change as { from?: unknown; to: unknown })
        : { from: undefined, to: change };
    return html`<tr><th scope="row"><code>${field}</code></th><td>${fromTo.from === undefined ? '—' : display(fromTo.from)}</td><td>${display(fromTo.to)}</td></tr>`;
  });
  return html`<table><caption class="visually-hidden">Field changes</caption><thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">After the change</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export interface ListFilters {
  state: 'pending' | 'closed';
  tool?: string | undefined;
  requester?: string | undefined;
  ageHours?: number | undefined;
}

export function listPage(
  server: string,
  viewer: Viewer,
  requests: readonly ApprovalRequest[],
  filters: ListFilters,
  tools: readonly string[],
  now: Date,
  isApprover: boolean,
): string {
  const rows = requests.map(
    (r) =>
      html`<tr><td><a href="${BASE}/requests/${r.id}">${r.preview.summary.slice(0, 140)}</a></td><td><code>${r.tool}</code></td><td>${r.policy === 'confirm' ? 'your confirmation' : 'approver'}</td><td>${r.requesterSubject}</td><td>${age(r.createdAt, now)}</td><td class="status">${
        r.status === 'pending' && r.expiresAt <= now ? 'expired' : r.status
      }</td></tr>`,
  );
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : html``}>${label}</option>`;
  const body = html`<h1>${filters.state === 'pending' ? 'Waiting for you' : 'Decided and expired'}</h1>
<p>${isApprover ? 'Requests you can approve, and your own changes waiting for your confirmation.' : 'Your own changes waiting for your confirmation. (You do not hold the approver role on this server.)'}</p>
<form class="filters" method="get" action="${BASE}/" role="search" aria-label="Filter requests">
<div><label for="f-state">Show</label><select id="f-state" name="state">${option('pending', 'Waiting', filters.state === 'pending')}${option('closed', 'Decided and expired', filters.state === 'closed')}</select></div>
<div><label for="f-server">Server</label><select id="f-server" name="server">${option(server, server, true)}</select></div>
<div><label for="f-tool">Tool</label><select id="f-tool" name="tool">${option('', 'Any tool', !filters.tool)}${tools.map((t) => option(t, t, filters.tool === t))}</select></div>
<div><label for="f-requester">Requester</label><input id="f-requester" name="requester" value="${filters.requester ?? ''}" maxlength="200"></div>
<div><label for="f-age">Requested within</label><select id="f-age" name="age">${option('', 'Any time', filters.ageHours === undefined)}${option('1', 'the last hour', filters.ageHours === 1)}${option('24', 'the last day', filters.ageHours === 24)}${option('168', 'the last week', filters.ageHours === 168)}</select></div>
<div><button type="submit">Filter</button></div>
</form>
${
  requests.length === 0
    ? html`<p class="note" role="status">Nothing ${filters.state === 'pending' ? 'is waiting for you' : 'matches'} right now.</p>`
    : html`<table><caption class="visually-hidden">Approval requests</caption><thead><tr><th scope="col">Change</th><th scope="col">Tool</th><th scope="col">Needs</th><th scope="col">Requested by</th><th scope="col">Requested</th><th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table>`
}`;
  return layout(server, filters.state === 'pending' ? 'Waiting for you' : 'Decided', viewer, body);
}

export interface DetailOptions {
  server: string;
  viewer: Viewer;
  request: ApprovalRequest;
  audit: readonly AuditRowView[];
  now: Date;
  /** Whether this viewer may decide it now (the buttons); the decision is re-checked on submit. */
  mayDecide: boolean;
  /** Why not, when the viewer may see but not decide it. */
  cannotDecide: string | undefined;
  /** A result to announce (after a decision or a refused one). */
  message?: { kind: 'ok' | 'error'; text: string } | undefined;
}

export function detailPage(o: DetailOptions): string {
  const { request: r, now } = o;
  const expired = r.status === 'expired' || (r.status === 'pending' && r.expiresAt <= now);
  const status = expired ? 'expired' : r.status;
  const requested = o.audit.find((a) => a.event === 'approval.requested');
  const executed = o.audit.find((a) => a.event === 'call' && a.outcome === 'ok');
  const preview = r.preview;
  const texts = [preview.summary, JSON.stringify(preview.changes), JSON.stringify(r.arguments)];
  const verbs =
    r.policy === 'confirm'
      ? { yes: 'Confirm this change', no: 'Cancel this change' }
      : { yes: 'Approve', no: 'Reject' };
  const decision = o.mayDecide
    ? html`<h2 id="decide">Your decision</h2><form method="post" action="/approvals/requests/${r.id}/decide" aria-labelledby="decide">
<input type="hidden" name="csrf" value="${o.viewer.csrf}">
<label for="reason">Reason (optional, shown to the requester and kept in the audit trail)</label>
<textarea id="reason" name="reason" rows="3" maxlength="1000"></textarea>
<div class="actions"><button type="submit" name="decision" value="approved">${verbs.yes}</button><button type="submit" name="decision" value="rejected" class="reject">${verbs.no}</button></div>
</form>`
    : o.cannotDecide
      ? html`<p class="note" role="status">${o.cannotDecide}</p>`
      : html``;
  const body = html`<p><a href="/approvals/">← All requests</a></p>
<h1>${r.policy === 'confirm' ? 'Confirm your change' : 'Approval request'}: <code>${r.tool}</code></h1>
${o.message ? html`<p class="${o.message.kind === 'ok' ? 'note' : 'warn'}" role="${o.message.kind === 'ok' ? 'status' : 'alert'}">${o.message.text}</p>` : html``}
<dl>
<dt>Status</dt><dd class="status" data-status="${status}">${status}</dd>
<dt>Server</dt><dd>${o.server}</dd>
<dt>Requested by</dt><dd><code>${r.requesterSubject}</code></dd>
<dt>Through client</dt><dd>${r.requesterClientId || '—'}${requested?.clientName ? html` (${requested.clientName}${requested.clientVersion ? ` ${requested.clientVersion}` : ''})` : html``}</dd>
<dt>Conversation / correlation id</dt><dd><code>${r.correlationId ?? '—'}</code></dd>
<dt>Requested</dt><dd><time datetime="${r.createdAt.toISOString()}">${r.createdAt.toISOString()}</time></dd>
<dt>${status === 'pending' ? 'Expires' : 'Valid until'}</dt><dd><time datetime="${r.expiresAt.toISOString()}">${r.expiresAt.toISOString()}</time></dd>
${r.decidedBy ? html`<dt>Decided by</dt><dd><code>${r.decidedBy}</code> at ${r.decidedAt?.toISOString() ?? ''}</dd>` : html``}
${r.reason ? html`<dt>Reason</dt><dd>${r.reason}</dd>` : html``}
${r.executedAt ? html`<dt>Executed</dt><dd>${r.executedAt.toISOString()}</dd>` : html``}
${executed && executed.touched.length > 0 ? html`<dt>Resulting records</dt><dd>${executed.touched.map((t) => html`<code>${t}</code> `)}</dd>` : html``}
</dl>
<h2>What will change</h2>
${untrusted(
  'Preview',
  texts,
  html`<p>${preview.summary}</p>${changesTable(preview)}${
    preview.total
      ? html`<p><strong>Total value:</strong> ${preview.total.amount.toLocaleString('en-US')} ${preview.total.currency ?? ''}</p>`
      : html``
  }${
    preview.records && preview.records.length > 0
      ? html`<p><strong>Records:</strong> ${preview.records.map((x) => html`<code>${x}</code> `)}</p>`
      : html``
  }<details><summary>Exact arguments of the call</summary><pre><code>${JSON.stringify(r.arguments, null, 2)}</code></pre></details>`,
)}
${decision}
<h2>Audit trail of this request</h2>
${
  o.audit.length === 0
    ? html`<p>No audit rows (yet).</p>`
    : html`<table><caption class="visually-hidden">Audit rows</caption><thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Who</th><th scope="col">Outcome</th><th scope="col">Code</th></tr></thead><tbody>${o.audit.map(
        (a) =>
          html`<tr><td>${a.at.toISOString()}</td><td>${a.event}</td><td><code>${a.subject}</code></td><td>${a.outcome}</td><td>${a.errorCode ?? ''}</td></tr>`,
      )}</tbody></table>`
}`;
  return layout(o.server, `${r.tool} request`, o.viewer, body);
}

export function messagePage(
  server: string,
  title: string,
  text: string,
  viewer?: Viewer,
  link?: Raw,
): string {
  return layout(server, title, viewer, html`<h1>${title}</h1><p role="alert">${text}</p>${link ?? html``}`);
}
