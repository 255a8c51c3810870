import type { FullStack } from '@mcp-platform/runtime/testing';
import {
  connectMcpClient,
  describeWithPostgres,
  type McpTestClient,
  resultError,
  resultOk,
  resultText,
} from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItsmBackend } from '../../src/backends/itsm-backend.ts';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { ServiceNowBackend } from '../../src/backends/servicenow.ts';
import { type FakeServiceNow, ignoredParts, startFakeServiceNow } from '../fake-servicenow.ts';
import { ALERT, ANCHOR, freshDatabase, SEED } from '../helpers.ts';
import { approvalsOf, auditRowsFor, startItsm } from '../support.ts';

const TOOLS = [
  'add_incident_note',
  'create_change_request',
  'create_incident',
  'find_related_to_alert',
  'get_configuration_item',
  'get_incident',
  'list_change_requests',
  'resolve_incident',
  'search_incidents',
];

interface Setup {
  itsm: ItsmBackend;
  refPrefix: string;
  fake?: FakeServiceNow;
  close: () => Promise<void>;
}

const backends: Array<[string, (databaseUrl: string) => Promise<Setup>]> = [
  [
    'sandbox (PostgreSQL)',
    async (databaseUrl) => {
      await migrateSandbox(databaseUrl, { anchorDate: ANCHOR, seed: SEED });
      const itsm = new SandboxBackend(databaseUrl);
      return { itsm, refPrefix: 'sandbox', close: () => itsm.close() };
    },
  ],
  [
    'servicenow (fake instance over HTTP)',
    async () => {
      const fake = await startFakeServiceNow({ anchorDate: ANCHOR, seed: SEED });
      const itsm = new ServiceNowBackend({
        instanceUrl: fake.url,
        auth: {
          kind: 'oauth_password',
          clientId: 'itsm-client',
          clientSecret: 'itsm-secret',
          username: 'mcp.integration',
          password: 'pw',
        },
      });
      return { itsm, refPrefix: 'servicenow', fake, close: () => fake.close() };
    },
  ],
];

const confirming = () => ({ action: 'accept' as const, content: { approve: true } });

describeWithPostgres('every ITSM tool through a real MCP client, full stack', (adminUrl) => {
  describe.each(backends)('%s', (_label, setUp) => {
    let db: { url: string; drop: () => Promise<void> };
    let setup: Setup;
    let stack: FullStack;
    let client: McpTestClient;

    beforeAll(async () => {
      db = await freshDatabase(adminUrl, 'e2e');
      setup = await setUp(db.url);
      stack = await startItsm(setup.itsm, db.url);
      client = await connectMcpClient(stack.url, {
        token: await stack.token('itsm:read itsm:write', 'oncall.ana@example.com'),
        elicit: confirming,
        name: 'oncall-agent',
      });
    });
    afterAll(async () => {
      // Not one query the adapter sent had a part the instance would have ignored.
      if (setup?.fake) expect(ignoredParts(setup.fake)).toEqual([]);
      await client?.close();
      await stack?.close();
      await setup?.close();
      await db?.drop();
    });

    it('lists nine tools with output schemas, annotations and descriptions; only the writes are not read-only', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
      for (const tool of tools) {
        expect(tool.outputSchema).toBeDefined();
        expect(tool.description!.length).toBeGreaterThan(120);
      }
      const writes = tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
      expect(writes.sort()).toEqual([
        'add_incident_note',
        'create_change_request',
        'create_incident',
        'resolve_incident',
      ]);
    });

    it('find_related_to_alert: the planted alert → payment incidents and the payments-db change, in one call', async () => {
      const result = await client.callTool({
        name: 'find_related_to_alert',
        arguments: { alertText: ALERT },
      });
      const out = resultOk<{
        anchors: Array<{ name: string }>;
        incidents: Array<{ record: { number: string; shortDescription: string }; reasons: string[] }>;
        changes: Array<{ record: { number: string; shortDescription: string }; reasons: string[] }>;
      }>(result);
      expect(out.anchors.map((a) => a.name)).toContain('payment-service');
      expect(out.changes[0]!.record.shortDescription).toMatch(/^Upgrade payments-db/);
      expect(out.changes[0]!.reasons.join(' ')).toMatch(/payments-db.*implemented/);
      const titles = out.incidents.slice(0, 4).map((i) => i.record.shortDescription);
      expect(titles).toContain('payment-service p99 latency above 800 ms');
      expect(titles).toContain('Slow queries on payments-db after maintenance window');
      expect(resultText(result)).toContain('<untrusted');
    });

    it('search_incidents pages with a cursor and refuses one from other filters', async () => {
      const first = resultOk<{ items: Array<{ number: string }>; nextCursor: string }>(
        await client.callTool({ name: 'search_incidents', arguments: { states: ['closed'], limit: 5 } }),
      );
      expect(first.items).toHaveLength(5);
      const second = resultOk<{ items: Array<{ number: string }> }>(
        await client.callTool({
          name: 'search_incidents',
          arguments: { states: ['closed'], limit: 5, cursor: first.nextCursor },
        }),
      );
      expect(second.items[0]!.number < first.items[4]!.number).toBe(true);
      const wrong = await client.callTool({
        name: 'search_incidents',
        arguments: { states: ['new'], limit: 5, cursor: first.nextCursor },
      });
      expect(resultError(wrong).code).toBe('INVALID_CURSOR');
      const byGroup = resultOk<{ items: Array<{ assignmentGroup: { name: string } }> }>(
        await client.callTool({
          name: 'search_incidents',
          arguments: { assignmentGroup: 'Payments SRE', states: ['open'] },
        }),
      );
      expect(byGroup.items.length).toBeGreaterThan(0);
      for (const i of byGroup.items) expect(i.assignmentGroup.name).toBe('Payments SRE');
    });

    it('get_incident, get_configuration_item and list_change_requests', async () => {
      const related = resultOk<{
        incidents: Array<{ record: { number: string; shortDescription: string } }>;
      }>(
        await client.callTool({
          name: 'find_related_to_alert',
          arguments: { configurationItem: 'payment-service' },
        }),
      );
      const number = related.incidents.find((i) =>
        i.record.shortDescription.startsWith('payment-service p99'),
      )!.record.number;
      const incident = resultOk<{
        journal: unknown[];
        slas: Array<{ name: string }>;
        problem: { number: string };
      }>(await client.callTool({ name: 'get_incident', arguments: { number } }));
      expect(incident.journal).toHaveLength(2);
      expect(incident.problem.number).toBe('PRB0040100');
      expect(incident.slas[0]!.name).toMatch(/^P2 resolution/);
      expect(
        resultError(await client.callTool({ name: 'get_incident', arguments: { number: 'INC0000001' } }))
          .code,
      ).toBe('NOT_FOUND');
      const ci = resultOk<{
        upstream: Array<{ ci: { name: string } }>;
        downstream: Array<{ ci: { name: string } }>;
      }>(
        await client.callTool({
          name: 'get_configuration_item',
          arguments: { configurationItem: 'payments-db' },
        }),
      );
      expect(ci.upstream.map((r) => r.ci.name)).toContain('payment-service');
      const changes = resultOk<{ items: Array<{ number: string; configurationItem: { name: string } }> }>(
        await client.callTool({
          name: 'list_change_requests',
          arguments: { from: '2026-11-22', to: '2026-11-24', configurationItem: 'payments-db' },
        }),
      );
      expect(changes.items.map((c) => c.configurationItem.name)).toEqual(['payments-db']);
    });

    it('create_incident → add_incident_note → resolve_incident, each confirmed by the person and attributed', async () => {
      const created = await client.callTool({
        name: 'create_incident',
        arguments: {
          shortDescription: 'Card payments failing for one issuer',
          impact: 'medium',
          urgency: 'high',
          configurationItem: 'payment-service',
          assignmentGroup: 'Payments SRE',
        },
      });
      const incident = resultOk<{
        number: string;
        sysId: string;
        priority: string;
        journal: Array<{ text: string }>;
      }>(created);
      expect(client.elicited.at(-1)).toContain(
        'Open a 2 - High incident "Card payments failing for one issuer"',
      );
      expect(incident.priority).toBe('2 - High');
      expect(incident.journal[0]!.text).toMatch(
        /^\[MCP itsm\] Incident opened on behalf of oncall\.ana@example\.com via .+; confirmed by oncall\.ana@example\.com \(approval /,
      );
      const note = resultOk<{ entry: { kind: string; text: string } }>(
        await client.callTool({
          name: 'add_incident_note',
          arguments: { number: incident.number, kind: 'comment', text: 'We are on it.' },
        }),
      );
      expect(client.elicited.at(-1)).toContain('a comment VISIBLE TO THE CALLER');
      expect(note.entry).toMatchObject({ kind: 'comment' });
      expect(note.entry.text).toContain('We are on it.');
      const badCode = await client.callTool({
        name: 'resolve_incident',
        arguments: { number: incident.number, closeCode: 'Legacy code', closeNotes: 'x' },
      });
      expect(resultError(badCode)).toMatchObject({ code: 'INVALID_ARGUMENTS' });
      expect(String(resultError(badCode).hint)).toContain('Solved (Permanently)');
      const resolved = resultOk<{ state: string; closeCode: string }>(
        await client.callTool({
          name: 'resolve_incident',
          arguments: {
            number: incident.number,
            closeCode: 'Solved (Permanently)',
            closeNotes: 'Issuer fixed their gateway',
          },
        }),
      );
      expect(resolved).toMatchObject({ state: 'Resolved', closeCode: 'Solved (Permanently)' });
      const rows = await auditRowsFor(db.url, `${setup.refPrefix}:incident/${incident.sysId}`, 3);
      const calls = rows.filter((r) => r.event === 'call');
      expect(calls.map((r) => r.name)).toEqual(['create_incident', 'add_incident_note', 'resolve_incident']);
      for (const r of calls) expect(r).toMatchObject({ subject: 'oncall.ana@example.com', outcome: 'ok' });
    });

    it('create_change_request needs a change manager who is not the requester', async () => {
      const requester = await connectMcpClient(stack.url, {
        token: await stack.token('itsm:read itsm:write itsm:approve', 'chris.requester@example.com'),
      });
      try {
        const args = {
          shortDescription: 'Raise payments-db max_connections back to 400',
          justification: 'The lowered pool starves payment-service under peak load',
          implementationPlan: 'ALTER SYSTEM SET max_connections = 400; rolling restart replica then primary',
          backoutPlan: 'Set max_connections back to 200 and restart',
          testPlan: 'p99 latency of payment-service below 300 ms for 30 minutes',
          risk: 'moderate',
          plannedStart: '2026-11-24T22:00:00Z',
          plannedEnd: '2026-11-24T23:30:00Z',
          configurationItem: 'payments-db',
        };
        const first = resultError(
          await requester.callTool({ name: 'create_change_request', arguments: args }),
        ) as unknown as {
          code: string;
          approvalId: string;
        };
        expect(first.code).toBe('APPROVAL_REQUIRED');
        const approvals = approvalsOf(stack);
        // The requester holds the approver scope, yet cannot approve their own change.
        const self = await approvals.decisions.decide(
          { subject: 'chris.requester@example.com', kind: 'user', scopes: ['itsm:approve'], claims: {} },
          first.approvalId,
          'approved',
          null,
          'req-self',
          'http',
        );
        expect(self.ok).toBe(false);
        // Someone without the change-manager scope cannot either.
        const other = await approvals.decisions.decide(
          { subject: 'dev.dana@example.com', kind: 'user', scopes: ['itsm:read'], claims: {} },
          first.approvalId,
          'approved',
          null,
          'req-other',
          'http',
        );
        expect(other.ok).toBe(false);
        const pending = resultError(
          await requester.callTool({
            name: 'create_change_request',
            arguments: { ...args, approvalId: first.approvalId },
          }),
        );
        expect(pending.code).toBe('APPROVAL_PENDING');
        const manager = await approvals.decisions.decide(
          { subject: 'cab.manager@example.com', kind: 'user', scopes: ['itsm:approve'], claims: {} },
          first.approvalId,
          'approved',
          'Fine after the incident review',
          'req-cab',
          'http',
        );
        expect(manager.ok).toBe(true);
        const created = resultOk<{ number: string; sysId: string; state: string; type: string }>(
          await requester.callTool({
            name: 'create_change_request',
            arguments: { ...args, approvalId: first.approvalId },
          }),
        );
        expect(created).toMatchObject({ state: 'New', type: 'normal' });
        expect(created.number).toMatch(/^CHG\d{7}$/);
        const record = `${setup.refPrefix}:change_request/${created.sysId}`;
        const call = (await auditRowsFor(db.url, record)).find((r) => r.event === 'call');
        expect(call).toMatchObject({
          name: 'create_change_request',
          subject: 'chris.requester@example.com',
          outcome: 'ok',
        });
        expect(call!.approval_id).toBe(first.approvalId);
      } finally {
        await requester.close();
      }
    });

    it('bad input gets a validation error that says what to fix, before any backend call', async () => {
      for (const [name, args] of [
        ['search_incidents', { text: 'latency^NQactive=true' }],
        ['search_incidents', { assignmentGroup: 'Payments SRE\nORDERBYnumber' }],
        ['get_incident', { number: 'INC0010594^ORnumber!=x' }],
        ['get_configuration_item', { configurationItem: 'javascript:gs.getUser()' }],
        ['list_change_requests', { from: '2026-11-01', to: '2026-11-02', states: ['scheduled^ORstate=3'] }],
        ['create_incident', { shortDescription: 'x', impact: 'huge', urgency: 'high' }],
      ] as const) {
        const result = await client.callTool({ name, arguments: args as Record<string, unknown> });
        expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      }
    });
  });
});
