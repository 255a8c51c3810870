import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/approvals/store.ts';
import { ApprovalNotifier, notificationBody, webhookSignature } from '../../src/approvals/webhooks.ts';

const SECRET = 'webhook-test-secret-0123456789abcdefghij';

const request: ApprovalRequest = {
  id: '5b1f5c8e-8a42-4d7e-9c55-0a3c9f5f2a11',
  server: 'finance',
  tool: 'create_requisition',
  policy: 'approver',
  argsHash: 'x',
  arguments: { supplier: 'Contoso' },
  preview: {
    summary: 'Requisition for 3 laptops from <https://evil.example|Contoso>',
    changes: { Supplier: { to: 'Contoso' } },
    records: ['finance:Requisition/new'],
    total: { amount: 4200, currency: 'EUR' },
  },
  requesterSubject: 'bea.buyer',
  requesterClientId: 'claude-code',
  status: 'pending',
  createdAt: new Date('2026-12-06T10:00:00Z'),
  expiresAt: new Date('2026-12-06T10:10:00Z'),
  decidedBy: null,
  decidedAt: null,
  reason: null,
  executedAt: null,
  correlationId: 'c-1',
  approvalsRequired: 1,
  approvedBy: [],
};

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local webhook receiver answering each delivery with the next status of `statuses` (then 200). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, received, server };
}

/** What a receiver does: recompute the HMAC over timestamp + body and compare in constant time. */
function verified(r: Received): boolean {
  const expected = Buffer.from(webhookSignature(SECRET, String(r.headers['x-mcp-timestamp']), r.body));
  const given = Buffer.from(String(r.headers['x-mcp-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const notifier = (urls: string[], registry: Registry, format: 'json' | 'slack' | 'teams' = 'json') =>
  new ApprovalNotifier({
    server: 'finance',
    urls,
    secret: SECRET,
    format,
    publicUrl: 'https://finance-mcp.example.com/',
    log: pino({ level: 'silent' }),
    registry,
    maxAttempts: 3,
    baseDelayMs: 20,
  });

describe('approval webhooks', () => {
  it('POSTs a signed notification linking to the console, retrying after a 500', async () => {
    const hook = await receiver([500]);
    servers.push(hook.server);
    const registry = new Registry();
    const n = notifier([hook.url], registry);
    n.notify(request); // returns at once: the tool call never waits for delivery
    expect(hook.received).toHaveLength(0);
    await n.close();
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    expect(verified(second!)).toBe(true);
    expect(first!.headers['x-mcp-delivery']).toBe(second!.headers['x-mcp-delivery']);
    const body = JSON.parse(second!.body);
    expect(body).toMatchObject({
      type: 'approval.requested',
      url: `https://finance-mcp.example.com/approvals/requests/${request.id}`,
      approval: {
        id: request.id,
        tool: 'create_requisition',
        requester: { subject: 'bea.buyer', clientId: 'claude-code' },
        total: { amount: 4200, currency: 'EUR' },
      },
    });
    // A tampered body fails verification.
    expect(verified({ ...second!, body: second!.body.replace('4200', '1') })).toBe(false);
    expect(await registry.getSingleMetricAsString('mcp_approval_webhook_failures_total')).not.toMatch(
      / [1-9]\d*$/m,
    );
  });

  it('gives up after the last attempt and counts the failure; a 4xx is not retried', async () => {
    const failing = await receiver([503, 503, 503]);
    const refusing = await receiver([400]);
    servers.push(failing.server, refusing.server);
    const registry = new Registry();
    const n = notifier([failing.url, refusing.url], registry);
    n.notify(request);
    await n.close();
    expect(failing.received).toHaveLength(3);
    expect(refusing.received).toHaveLength(1);
    const metric = await registry.getSingleMetricAsString('mcp_approval_webhook_failures_total');
    expect(metric).toMatch(/^mcp_approval_webhook_failures_total\{reason="http_5xx"\} 1$/m);
    expect(metric).toMatch(/^mcp_approval_webhook_failures_total\{reason="http_4xx"\} 1$/m);
  });

  it('renders Slack and Teams messages without turning request text into links', () => {
    const url = 'https://finance-mcp.example.com/approvals/requests/x';
    const slack = JSON.stringify(notificationBody('slack', request, url, 'd'));
    expect(slack).toContain('&lt;https://evil.example|Contoso&gt;');
    expect(slack).toContain(url);
    const teams = notificationBody('teams', request, url, 'd') as {
      text: string;
      potentialAction: unknown[];
    };
    expect(teams.text).toContain('\\<https://evil.example\\|Contoso\\>');
    expect(JSON.stringify(teams.potentialAction)).toContain(url);
  });
});
