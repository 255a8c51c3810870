import { backgroundCall } from '@mcp-platform/server-kit';
import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IncidentSearch, ItsmBackend } from '../../src/backends/itsm-backend.ts';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { ServiceNowBackend } from '../../src/backends/servicenow.ts';
import { anchorsFromText, findRelated } from '../../src/related.ts';
import { type FakeServiceNow, ignoredParts, startFakeServiceNow } from '../fake-servicenow.ts';
import { ALERT, ANCHOR, freshDatabase, NOW, SEED } from '../helpers.ts';

// Both backends over the same demo rows must answer every read operation identically, and every
// query the ServiceNow adapter sent must have been fully valid (the fake ignores invalid parts).

const call = backgroundCall();

describeWithPostgres('backend parity: ServiceNow adapter (fake instance) vs sandbox', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let fake: FakeServiceNow;
  let servicenow: ServiceNowBackend;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'parity');
    await migrateSandbox(db.url, { anchorDate: ANCHOR, seed: SEED });
    sandbox = new SandboxBackend(db.url);
    fake = await startFakeServiceNow({ anchorDate: ANCHOR, seed: SEED });
    servicenow = new ServiceNowBackend({
      instanceUrl: fake.url,
      auth: { kind: 'oauth_client_credentials', clientId: 'itsm-client', clientSecret: 'itsm-secret' },
    });
  });
  afterAll(async () => {
    expect(ignoredParts(fake)).toEqual([]);
    await sandbox?.close();
    await fake?.close();
    await db?.drop();
  });

  const both = async <T>(op: (b: ItsmBackend) => Promise<T>): Promise<T> => {
    const [a, b] = await Promise.all([op(servicenow), op(sandbox)]);
    expect(a).toEqual(b);
    return a;
  };

  it('search incidents: filters, text, keyset pages', async () => {
    const payments = (await both((b) => b.findCis(['Payments'], call)))[0]!;
    const group = (await both((b) => b.findGroup('payments sre', call)))!;
    expect(group.name).toBe('Payments SRE');
    const queries: IncidentSearch[] = [
      { limit: 25 },
      { limit: 10, states: ['1', '2', '3'] },
      { limit: 10, text: 'latency' },
      { limit: 10, priorities: ['1', '2'], assignmentGroup: group.sysId },
      { limit: 10, ciSysIds: [payments.sysId], openedFrom: '2026-10-01', openedTo: '2026-11-20T00:00:00Z' },
      { limit: 10, updatedSince: '2026-11-22T00:00:00Z' },
    ];
    for (const q of queries) {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await both((b) => b.searchIncidents({ ...q, cursor }, call));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 4);
      expect(pages).toBeGreaterThan(0);
    }
  });

  it('get incident with journal and SLAs; a missing number is undefined on both', async () => {
    const page = await both((b) => b.searchIncidents({ limit: 5, text: 'p99 latency above 800 ms' }, call));
    for (const i of page.items) await both((b) => b.getIncident(i.number, { journal: 5 }, call));
    expect(await both((b) => b.getIncident('INC9999999', { journal: 5 }, call))).toBeUndefined();
  });

  it('changes in a window, on a CI, by state, paged', async () => {
    const [db] = await both((b) => b.findCis(['payments-db'], call));
    await both((b) =>
      b.listChanges({ limit: 50, from: '2026-11-16', to: '2026-11-30', ciSysIds: [db!.sysId] }, call),
    );
    let cursor: string | undefined;
    let n = 0;
    do {
      const page = await both((b) =>
        b.listChanges(
          { limit: 7, from: '2026-11-01', to: '2026-12-01', states: ['-2', '-1', '0', '3'], cursor },
          call,
        ),
      );
      n += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(n).toBeGreaterThan(7);
  });

  it('configuration items with relationships, groups and open incident counts', async () => {
    const cis = await both((b) =>
      b.findCis(['payment-service', 'payments-db', 'Payments', 'no-such-ci'], call),
    );
    expect(cis.map((c) => c.name).sort()).toEqual(['Payments', 'payment-service', 'payments-db']);
    for (const ci of cis) await both((b) => b.getCi(ci.sysId, call));
    expect(await both((b) => b.closeCodes(call))).toContain('Solved (Permanently)');
  });

  it('find related to the planted alert ranks the payment incidents and the payments-db change first', async () => {
    const options = { now: NOW, hoursBack: 72, hoursAhead: 24, incidentDays: 14, limit: 10 };
    const [viaServiceNow, viaSandbox] = await Promise.all(
      [servicenow, sandbox].map(async (b) =>
        findRelated(b, await anchorsFromText(b, ALERT, call), options, call),
      ),
    );
    expect(viaServiceNow).toEqual(viaSandbox);
    expect(viaSandbox!.anchors.map((a) => a.name)).toEqual(['payment-service']);
    expect(viaSandbox!.changes[0]?.record.shortDescription).toMatch(/^Upgrade payments-db/);
    expect(viaSandbox!.incidents.slice(0, 3).map((s) => s.record.shortDescription)).toContain(
      'payment-service p99 latency above 800 ms',
    );
  });

  it('writes: create, note, resolve an incident and raise a change give the same shapes', async () => {
    const [ci] = await both((b) => b.findCis(['payments-db'], call));
    const created = await Promise.all(
      [servicenow, sandbox].map((b) =>
        b.createIncident(
          {
            shortDescription: 'Parity incident',
            impact: '2',
            urgency: '1',
            ciSysId: ci!.sysId,
            workNote: '[MCP itsm] opened for test',
          },
          call,
        ),
      ),
    );
    const strip = (i: object) => ({
      ...i,
      sysId: '',
      openedAt: '',
      updatedAt: '',
      journal: (i as { journal: Array<Record<string, unknown>> }).journal
        .map((j): Record<string, unknown> => ({ ...j, createdAt: '' }))
        .sort((a, b) => String(a.text).localeCompare(String(b.text))),
    });
    expect(strip(created[0]!)).toEqual(strip(created[1]!));
    expect(created[0]!.priority).toBe('2 - High');
    expect(created[0]!.number).toBe('INC0020001');
    const notes = await Promise.all(
      [servicenow, sandbox].map((b, k) => b.addJournal(created[k]!, 'comment', 'Visible note', call)),
    );
    expect({ ...notes[0], createdAt: '' }).toEqual({ ...notes[1], createdAt: '' });
    const resolved = await Promise.all(
      [servicenow, sandbox].map((b, k) =>
        b.resolveIncident(
          {
            sysId: created[k]!.sysId,
            closeCode: 'Solved (Permanently)',
            closeNotes: 'Fixed',
            workNote: 'resolved',
          },
          call,
        ),
      ),
    );
    expect(strip(resolved[0]!)).toMatchObject({ state: 'Resolved', closeCode: 'Solved (Permanently)' });
    expect({ ...strip(resolved[0]!), resolvedAt: '' }).toEqual({ ...strip(resolved[1]!), resolvedAt: '' });
    const change = await Promise.all(
      [servicenow, sandbox].map((b) =>
        b.createChange(
          {
            shortDescription: 'Raise max_connections',
            justification: 'j',
            implementationPlan: 'i',
            backoutPlan: 'b',
            testPlan: 't',
            risk: '3',
            start: '2026-11-25T22:00:00Z',
            end: '2026-11-25T23:00:00Z',
            ciSysId: ci!.sysId,
            workNote: 'requested',
          },
          call,
        ),
      ),
    );
    expect({ ...change[0], sysId: '' }).toEqual({ ...change[1], sysId: '' });
    expect(change[0]).toMatchObject({
      number: 'CHG0031001',
      state: 'New',
      plannedStart: '2026-11-25T22:00:00Z',
    });
  });
});
