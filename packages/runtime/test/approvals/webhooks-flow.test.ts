import { createServer, type ServerResponse } from 'node:http';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApprovalsFeature } from '../../src/approvals/feature.ts';
import { ApprovalNotifier } from '../../src/approvals/webhooks.ts';
import { migrate } from '../../src/audit/migrate.ts';
import {
  buildApp,
  connectClient,
  createTestDatabase,
  errorOf,
  mintState,
  RecordStore,
  SERVER,
  testDefinition,
} from '../audit/support.ts';

describeWithPostgres('approval webhooks from a tool call', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const held: ServerResponse[] = [];
  const bodies: string[] = [];
  let arrived: () => void = () => undefined;
  const firstArrival = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    // The receiver is slow: it answers only when the test releases it.
    req.on('end', () => {
      bodies.push(body);
      held.push(res);
      arrived();
    });
  });

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'approval_webhooks');
    await migrate(db.url);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    receiver.close();
    await db?.drop();
  });

  it('notifies on an `approver` request without waiting for the receiver; `confirm` requests notify nobody', async () => {
    const notifier = new ApprovalNotifier({
      server: SERVER,
      urls: [`http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`],
      secret: 'flow-test-webhook-secret-0123456789abcdef',
      format: 'json',
      publicUrl: 'https://crm.example.test',
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      maxAttempts: 1,
    });
    const approvals = createApprovalsFeature({ server: SERVER, databaseUrl: db.url, mintState, notifier });
    const app = await buildApp(testDefinition(new RecordStore()), [approvals]);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const bob = await connectClient(base, { user: 'bob', era: '2025' });
      const closing = errorOf(
        await bob.callTool({ name: 'close_deal', arguments: { id: '006B', amount: 900 } }),
      );
      const confirming = errorOf(
        await bob.callTool({ name: 'update_stage', arguments: { id: '006A', stage: 'Won' } }),
      );
      await bob.close();
      // Both calls answered while the receiver still holds the notification unanswered.
      expect([closing.code, confirming.code]).toEqual(['APPROVAL_REQUIRED', 'APPROVAL_REQUIRED']);
      await firstArrival;
      for (const res of held.splice(0)) res.writeHead(204).end();
      await notifier.close();
      expect(bodies).toHaveLength(1);
      expect(JSON.parse(bodies[0]!)).toMatchObject({
        type: 'approval.requested',
        approval: { id: closing.approvalId, tool: 'close_deal', requester: { subject: 'bob' } },
        url: `https://crm.example.test/approvals/requests/${closing.approvalId}`,
      });
    } finally {
      await app.close();
      await approvals.close?.();
    }
  });
});
