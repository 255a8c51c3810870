import type { FullStack } from '@mcp-platform/runtime/testing';
import { auditEvents, describeWithPostgres, expectAuditedWrite } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SandboxBackend } from '../src/backends/sandbox.ts';
import { migrateSandbox } from '../src/backends/sandbox-schema.ts';
import { ANCHOR, freshDatabase } from './helpers.ts';
import { type Client, connect, failure, ok, startCrm, textOf } from './support.ts';

// The story from the issue: before a call a rep asks for a briefing on an account, checks renewals,
// and logs the call, confirming the write when asked; afterwards the audit query (the same CLI an
// auditor runs: `pnpm audit query --record <ref>`) shows who logged it.

describeWithPostgres('sales briefing scenario', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let crm: SandboxBackend;
  let stack: FullStack;
  let client: Client & { elicited: string[] };

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'briefing');
    crm = new SandboxBackend(db.url);
    await migrateSandbox(crm.pool, { anchorDate: ANCHOR, seed: 20_261 });
    stack = await startCrm(crm, db.url);
    // A 2026-era client that can show a form: writes are confirmed inline by the person.
    client = await connect(stack.url, {
      token: await stack.token('crm:read crm:write', 'rep.jane@example.com'),
      elicit: () => ({ action: 'accept', content: { approve: true } }),
    });
  });
  afterAll(async () => {
    await client?.close();
    await stack?.close();
    await crm?.close();
    await db?.drop();
  });

  it('search → overview → renewals → log the call (confirmed) → the audit query shows who logged it', async () => {
    const search = ok<{ items: Array<{ id: string; name: string }> }>(
      await client.callTool({ name: 'search_accounts', arguments: { name: 'Globex Corp' } }),
    );
    expect(search.items).toHaveLength(1);
    const account = search.items[0]!;
    expect(account.name).toBe('Globex Corporation');

    const overviewResult = await client.callTool({
      name: 'get_account_overview',
      arguments: { accountId: account.id },
    });
    const overview = ok<{
      nextRenewalDate: string | null;
      keyContacts: { items: Array<{ id: string; name: string }> };
      openOpportunities: { items: Array<{ id: string }> };
    }>(overviewResult);
    expect(overview.nextRenewalDate).not.toBeNull();
    expect(textOf(overviewResult)).toContain(`Next renewal: ${overview.nextRenewalDate}`);
    const contact = overview.keyContacts.items[0]!;

    const renewals = ok<{ items: Array<{ accountId: string; endDate: string }> }>(
      await client.callTool({ name: 'list_renewals_due', arguments: { from: ANCHOR, to: '2027-05-23' } }),
    );
    const renewal = renewals.items.find((c) => c.accountId === account.id);
    expect(renewal?.endDate).toBe(overview.nextRenewalDate);

    const logged = await client.callTool({
      name: 'log_activity',
      arguments: {
        relatedTo: contact.id,
        type: 'Call',
        subject: 'Renewal prep call',
        description: `Walked ${contact.name} through the renewal due ${renewal?.endDate}.`,
        date: ANCHOR,
      },
    });
    // The person saw the exact change before it was written.
    expect(client.elicited).toHaveLength(1);
    expect(client.elicited[0]).toContain('Log a completed Call "Renewal prep call"');
    expect(client.elicited[0]).toContain(contact.name);
    const activity = ok<{ activity: { id: string; contactId: string; relatedToId: string } }>(
      logged,
    ).activity;
    expect(activity).toMatchObject({ contactId: contact.id, relatedToId: account.id });

    const overviewAfter = ok<{ recentActivities: { items: Array<{ id: string }> } }>(
      await client.callTool({
        name: 'get_account_overview',
        arguments: { accountId: account.id, activities: 20 },
      }),
    );
    expect(overviewAfter.recentActivities.items.map((a) => a.id)).toContain(activity.id);

    const record = `sandbox:Task/${activity.id}`;
    const events = await auditEvents(db.url, { record });
    expectAuditedWrite(
      events.find((e) => e.event === 'call'),
      { name: 'log_activity', record, subject: 'rep.jane@example.com', approvedBy: 'rep.jane@example.com' },
    );
  });

  it('when the person declines, nothing is written', async () => {
    const declining = await connect(stack.url, {
      token: await stack.token('crm:read crm:write', 'rep.jane@example.com'),
      elicit: () => ({ action: 'accept', content: { approve: false } }),
    });
    try {
      const count = async () =>
        (await crm.pool.query('SELECT count(*)::int AS n FROM crm_sandbox.tasks')).rows[0].n as number;
      const before = await count();
      const result = await declining.callTool({
        name: 'log_activity',
        arguments: { relatedTo: '001SB0000000000003', type: 'Email', subject: 'Should not be logged' },
      });
      expect(failure(result).code).toBe('APPROVAL_DECLINED');
      expect(declining.elicited).toHaveLength(1);
      expect(await count()).toBe(before);
    } finally {
      await declining.close();
    }
  });
});
