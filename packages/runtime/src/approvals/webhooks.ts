import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { markPreview } from './preview-marking.ts';
import type { ApprovalRequest } from './store.ts';

export type WebhookFormat = 'json' | 'slack' | 'teams';

export interface WebhookOptions {
  server: string;
  urls: readonly string[];
  /** HMAC-SHA256 key; receivers verify `x-mcp-signature` with it. */
  secret: string;
  format: WebhookFormat;
  /** PUBLIC_URL: notifications link to `<publicUrl>/approvals/requests/<id>`. */
  publicUrl: string;
  log: FastifyBaseLogger;
  registry?: Registry;
  /** Attempts per URL (default 5), the first retry after `baseDelayMs` (default 1 s), doubling. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Time limit of one attempt (default 5 s). */
  timeoutMs?: number;
}

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: what receivers recompute and compare. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

// Request text is untrusted: keep it from becoming links or markup in chat messages.
const slackText = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const teamsText = (t: string) => t.replace(/[\\`*_{}[\]()#+!<>|]/g, (c) => `\\${c}`);

/** The body of a notification in the configured format (the `json` shape is documented in docs/approvals.md). */
export function notificationBody(
  format: WebhookFormat,
  request: ApprovalRequest,
  url: string,
  deliveryId: string,
) {
  const title = `Approval needed: ${request.tool} on ${request.server}`;
  const who = `requested by ${request.requesterSubject}`;
  if (format === 'slack') {
    return {
      text: `${title} — ${slackText(request.preview.summary)}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `*${slackText(title)}* (${slackText(who)})\n${slackText(request.preview.summary)}`,
          },
        },
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: 'Review in the console' }, url }],
        },
      ],
    };
  }
  if (format === 'teams') {
    return {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: title,
      title,
      text: `${teamsText(request.preview.summary)} (${teamsText(who)})`,
      potentialAction: [
        { '@type': 'OpenUri', name: 'Review in the console', targets: [{ os: 'default', uri: url }] },
      ],
    };
  }
  return {
    type: 'approval.requested',
    deliveryId,
    approval: {
      id: request.id,
      server: request.server,
      tool: request.tool,
      policy: request.policy,
      summary: request.preview.summary,
      changes: request.preview.changes,
      records: request.preview.records ?? [],
      total: request.preview.total ?? null,
      dataFlags: markPreview(request.preview).dataFlags,
      requester: { subject: request.requesterSubject, clientId: request.requesterClientId || null },
      createdAt: request.createdAt.toISOString(),
      expiresAt: request.expiresAt.toISOString(),
    },
    url,
  };
}

/**
 * Tells approvers that an `approver` request waits: a signed POST to every configured URL, sent off
 * the request path (the tool call never waits for it or fails because of it), retried with
 * exponential backoff on network errors, 429 and 5xx; failures are counted
 * (`mcp_approval_webhook_failures_total`) and logged.
 */
export class ApprovalNotifier {
  private readonly options: WebhookOptions;
  private readonly failures: Counter<'reason'> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(options: WebhookOptions) {
    this.options = options;
    this.failures = options.registry
      ? new Counter({
          name: 'mcp_approval_webhook_failures_total',
          help: 'Approval notifications that could not be delivered after every retry (reason: status class or network)',
          labelNames: ['reason'],
          registers: [options.registry],
        })
      : undefined;
  }

  /** Queues the notifications and returns at once. */
  notify(request: ApprovalRequest): void {
    const url = `${this.options.publicUrl.replace(/\/+$/, '')}/approvals/requests/${request.id}`;
    for (const target of this.options.urls) {
      const delivery = this.deliver(target, request, url).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  private async deliver(target: string, request: ApprovalRequest, url: string): Promise<void> {
    const { maxAttempts = 5, baseDelayMs = 1000, timeoutMs = 5000, log } = this.options;
    const deliveryId = randomUUID();
    const body = JSON.stringify(notificationBody(this.options.format, request, url, deliveryId));
    let reason = 'network';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopped.signal.aborted) break;
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const response = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'mcp-platform-approvals/1',
            'x-mcp-timestamp': timestamp,
            'x-mcp-delivery': deliveryId,
            'x-mcp-signature': webhookSignature(this.options.secret, timestamp, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopped.signal]),
        });
        await response.body?.cancel();
        if (response.ok) return;
        reason = `http_${Math.floor(response.status / 100)}xx`;
        if (response.status < 500 && response.status !== 429) break; // the receiver refuses it: retrying will not help
      } catch {
        reason = 'network';
      }
      if (attempt < maxAttempts) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1));
          this.stopped.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
    this.failures?.inc({ reason });
    log.warn(
      { approvalId: request.id, target: new URL(target).origin, reason },
      'approval notification not delivered',
    );
  }

  /** Waits for deliveries in flight (bounded by `graceMs`), then abandons the rest. */
  async close(graceMs = 5000): Promise<void> {
    const all = Promise.allSettled([...this.inFlight]);
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([all, timer]);
    this.stopped.abort();
    await all;
  }
}
