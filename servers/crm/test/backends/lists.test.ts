import type { ResultPaging } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmBackend, Page } from '../../src/backends/crm-backend.ts';
import { SandboxBackend } from '../../src/backends/sandbox.ts';
import { migrateSandbox } from '../../src/backends/sandbox-schema.ts';
import { crmTools } from '../../src/tools/index.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fake-salesforce.ts';
import { ANCHOR, background, freshDatabase, salesforceOn } from '../helpers.ts';

const ACME = '001SB0000000000001';

/**
 * A list tool's `paging.cursorAfter` (what the result-size guard puts in a trimmed page) must be the
 * cursor the backend itself mints after the same item: otherwise a trimmed list would not resume.
 */
describeWithPostgres('crm list tools resume a trimmed page where the backend would', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let fake: FakeSalesforce;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'lists');
    sandbox = new SandboxBackend(db.url);
    await migrateSandbox(sandbox.pool, { anchorDate: ANCHOR, seed: 20_261 });
    fake = await startFakeSalesforce({ anchorDate: ANCHOR });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
    await fake?.close();
    await db?.drop();
  });

  const lists: Array<{
    tool: string;
    args: Record<string, unknown>;
    /** One filter changed: its cursor must differ. */
    other: Record<string, unknown>;
    page: (crm: CrmBackend) => Promise<Page<{ id: string }>>;
  }> = [
    {
      tool: 'search_accounts',
      args: { limit: 2 },
      other: { owner: 'Nobody' },
      page: (crm) => crm.searchAccounts({ limit: 2 }, background),
    },
    {
      tool: 'list_open_opportunities',
      args: { stage: 'Prospecting', limit: 2 },
      other: { owner: 'Nobody' },
      page: (crm) => crm.listOpenOpportunities({ stage: 'Prospecting', limit: 2 }, background),
    },
    {
      tool: 'find_contacts',
      args: { accountId: ACME, limit: 1 },
      other: { title: 'Nobody' },
      page: (crm) => crm.findContacts({ accountId: ACME, limit: 1 }, background),
    },
    {
      tool: 'list_open_cases',
      args: { accountId: ACME, limit: 1 },
      other: { priority: 'Low' },
      page: (crm) => crm.listOpenCases({ accountId: ACME, limit: 1 }, background),
    },
    {
      // No window given: the tool's default (today + 90 days) is what the cursor is bound to.
      tool: 'list_renewals_due',
      args: { limit: 1 },
      other: { owner: 'Nobody' },
      page: (crm) => crm.listRenewals({ from: ANCHOR, to: '2027-02-21', limit: 1 }, background),
    },
  ];

  for (const backend of ['sandbox', 'salesforce'] as const) {
    describe(backend, () => {
      for (const list of lists) {
        it(`${list.tool}: cursorAfter(last item) is the backend's nextCursor`, async () => {
          const crm: CrmBackend = backend === 'sandbox' ? sandbox : salesforceOn(fake);
          const tool = crmTools({ crm, today: () => ANCHOR }).find((t) => t.name === list.tool) as
            | { paging?: ResultPaging<never, never> }
            | undefined;
          expect(tool?.paging).toBeDefined();
          const page = await list.page(crm);
          expect(page.nextCursor).toBeDefined();
          const last = page.items.at(-1);
          expect(tool?.paging?.cursorAfter(last as never, list.args as never)).toBe(page.nextCursor);
          // …and a cursor for other filters is not the same cursor.
          expect(tool?.paging?.cursorAfter(last as never, { ...list.args, ...list.other } as never)).not.toBe(
            page.nextCursor,
          );
        });
      }
    });
  }
});
