import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmBackend } from '../../src/backends/crm-backend.ts';
import type { SalesforceBackend } from '../../src/backends/salesforce.ts';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { seedRows } from '../../src/backends/sandbox-seed.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fake-salesforce.ts';
import { ANCHOR, background, freshDatabase, salesforceOn } from '../helpers.ts';

const ACME = '001SB0000000000001';

describe('sandbox seed', () => {
  it('is deterministic given the anchor date and seed', () => {
    expect(seedRows(ANCHOR, 20_261)).toEqual(seedRows(ANCHOR, 20_261));
    const other = seedRows('2027-01-01', 20_261);
    expect(other.opportunities[0]?.close_date).not.toBe(
      seedRows(ANCHOR, 20_261).opportunities[0]?.close_date,
    );
  });

  it('has accounts across industries and a few hundred opportunities over several quarters', () => {
    const rows = seedRows(ANCHOR, 20_261);
    expect(rows.accounts).toHaveLength(60);
    expect(new Set(rows.accounts.map((a) => a.industry)).size).toBeGreaterThanOrEqual(8);
    expect(rows.opportunities.length).toBeGreaterThanOrEqual(300);
    const quarters = new Set(rows.opportunities.map((o) => String(o.close_date).slice(0, 7)));
    expect(quarters.size).toBeGreaterThanOrEqual(12);
    expect(
      rows.contracts.some((c) => String(c.end_date) >= ANCHOR && String(c.end_date) <= '2027-02-21'),
    ).toBe(true);
  });
});

describeWithPostgres('sandbox backend on PostgreSQL', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let fake: FakeSalesforce;
  let salesforce: SalesforceBackend;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'sandbox');
    sandbox = new SandboxBackend(db.url);
    const first = await migrateSandbox(sandbox.pool, { anchorDate: ANCHOR, seed: 20_261 });
    expect(first.applied).toEqual(['1764300000000_sandbox-sales-objects']);
    expect(first.seeded?.counts.accounts).toBe(60);
    fake = await startFakeSalesforce({ anchorDate: ANCHOR });
    salesforce = salesforceOn(fake);
  });
  afterAll(async () => {
    await sandbox?.close();
    await fake?.close();
    await db?.drop();
  });

  it('migrating again changes nothing', async () => {
    const again = await migrateSandbox(sandbox.pool, { anchorDate: '2030-01-01', seed: 1 });
    expect(again).toEqual({ applied: [], seeded: undefined });
    const { rows } = await sandbox.pool.query(`SELECT value FROM crm_sandbox.meta WHERE key = 'anchor_date'`);
    expect(rows[0].value).toBe(ANCHOR);
  });

  // Both backends serve the same demo org, so every read must give the same answer.
  describe('answers exactly like the Salesforce backend over the same org', () => {
    const both = async <T>(fn: (b: CrmBackend) => Promise<T>) =>
      [await fn(sandbox), await fn(salesforce)] as const;

    it.each<[string, (b: CrmBackend) => Promise<unknown>]>([
      ['search by name', (b: CrmBackend) => b.searchAccounts({ name: 'corp', limit: 7 }, background)],
      [
        'search by industry',
        (b: CrmBackend) => b.searchAccounts({ industry: 'Technology', limit: 25 }, background),
      ],
      ['search by owner', (b: CrmBackend) => b.searchAccounts({ owner: "o'connor", limit: 25 }, background)],
      [
        'open opportunities window',
        (b: CrmBackend) =>
          b.listOpenOpportunities(
            {
              closeFrom: ANCHOR,
              closeTo: '2027-02-21',
              minAmount: 100_000,
              limit: 50,
            },
            background,
          ),
      ],
      [
        'open opportunities by stage',
        (b: CrmBackend) => b.listOpenOpportunities({ stage: 'Negotiation/Review', limit: 10 }, background),
      ],
      ['contacts by title', (b: CrmBackend) => b.findContacts({ title: 'cfo', limit: 25 }, background)],
      [
        'contacts of an account',
        (b: CrmBackend) => b.findContacts({ accountId: ACME, limit: 25 }, background),
      ],
      ['open cases', (b: CrmBackend) => b.listOpenCases({ accountId: ACME, limit: 50 }, background)],
      [
        'renewals',
        (b: CrmBackend) => b.listRenewals({ from: ANCHOR, to: '2027-05-23', limit: 50 }, background),
      ],
      ['an opportunity', (b: CrmBackend) => b.getOpportunity('006SB0000000000003', background)],
      [
        'the overview',
        (b: CrmBackend) =>
          b.getAccountOverview(ACME, { activities: 5, perList: 10, today: ANCHOR }, background),
      ],
    ])('%s', async (_name, fn) => {
      const [fromSandbox, fromSalesforce] = await both<unknown>(fn);
      expect(fromSandbox).toEqual(fromSalesforce);
      expect(JSON.stringify(fromSandbox).length).toBeGreaterThan(50);
    });

    it('walking every page with cursors gives the same records, without repeats', async () => {
      const walk = async (b: CrmBackend) => {
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await b.listOpenOpportunities({ limit: 17, cursor }, background);
          ids.push(...page.items.map((o) => o.id));
          cursor = page.nextCursor;
        } while (cursor);
        return ids;
      };
      const [a, b] = await both(walk);
      expect(a).toEqual(b);
      expect(new Set(a).size).toBe(a.length);
      const open = seedRows(ANCHOR, 20_261).opportunities.filter((o) => !o.is_closed).length;
      expect(a.length).toBe(open);
    });
  });

  describe('hostile input is data', () => {
    it('wildcards and quotes match literally; SQL in a search finds nothing and changes nothing', async () => {
      expect((await sandbox.searchAccounts({ name: '%', limit: 5 }, background)).items).toEqual([]);
      expect((await sandbox.searchAccounts({ name: '_', limit: 5 }, background)).items).toEqual([]);
      expect(
        (
          await sandbox.searchAccounts(
            { name: "'; DROP TABLE crm_sandbox.accounts; --", limit: 5 },
            background,
          )
        ).items,
      ).toEqual([]);
      expect((await sandbox.findContacts({ email: '\\', limit: 5 }, background)).items).toEqual([]);
      const { rows } = await sandbox.pool.query('SELECT count(*)::int AS n FROM crm_sandbox.accounts');
      expect(rows[0].n).toBe(60);
    });
  });

  describe('writes', () => {
    it('logs an activity that the overview then shows first', async () => {
      const related = (await sandbox.describeRecord('003SB0000000000002', background))!;
      expect(related).toMatchObject({ type: 'Contact', accountId: ACME });
      const { id, activity } = await sandbox.logActivity(
        {
          relatedTo: related,
          subject: 'Renewal call',
          type: 'Call',
          date: ANCHOR,
        },
        background,
      );
      expect(id).toMatch(/^00TSB\d{13}$/);
      expect(activity).toMatchObject({
        subject: 'Renewal call',
        contactId: '003SB0000000000002',
        relatedToId: ACME,
        ownerName: 'MCP Integration User',
      });
      const overview = await sandbox.getAccountOverview(
        ACME,
        { activities: 50, perList: 10, today: ANCHOR },
        background,
      );
      expect(overview?.recentActivities.items.some((a) => a.id === id)).toBe(true);
    });

    it('moves an opportunity to Closed Won: closed, won, probability 100, gone from the open list', async () => {
      const after = await sandbox.updateOpportunityStage(
        {
          opportunityId: '006SB0000000000004',
          stage: 'Closed Won',
        },
        background,
      );
      expect(after).toMatchObject({ stage: 'Closed Won', isClosed: true, isWon: true, probability: 100 });
      const open = await sandbox.listOpenOpportunities(
        { accountId: after.accountId!, limit: 50 },
        background,
      );
      expect(open.items.some((o) => o.id === '006SB0000000000004')).toBe(false);
    });

    it('creates opportunities with fresh ids', async () => {
      const a = await sandbox.createOpportunity(
        {
          accountId: ACME,
          name: 'New A',
          stage: 'Prospecting',
          closeDate: '2027-01-31',
        },
        background,
      );
      const b = await sandbox.createOpportunity(
        {
          accountId: ACME,
          name: 'New B',
          stage: 'Qualification',
          closeDate: '2027-02-28',
          amount: 5000,
        },
        background,
      );
      expect(a.id).not.toBe(b.id);
      expect(b).toMatchObject({
        accountName: 'Acme Corporation',
        amount: 5000,
        probability: 10,
        isClosed: false,
      });
    });
  });
});
