import type { FullStack } from '@mcp-platform/runtime/testing';
import {
  connectMcpClient,
  describeWithPostgres,
  type McpTestClient,
  resultError,
  resultOk,
  resultText,
} from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FinanceBackend } from '../../src/backends/finance-backend.ts';
import { type FakeS4Hana, startFakeS4Hana } from '../fake/fake-s4hana.ts';
import { ANCHOR, freshDatabase, sandboxOn, sapOn, seedData } from '../helpers.ts';
import { decide, personToken, startFinance } from '../support.ts';

// Whole flows over real HTTP and PostgreSQL: generous limits for a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 180_000 });

const TOOLS = [
  'create_purchase_requisition',
  'get_purchase_order',
  'get_supplier_invoices',
  'get_supplier_profile',
  'list_contracts',
  'list_open_purchase_orders',
  'rank_suppliers',
  'search_suppliers',
];

interface Setup {
  finance: FinanceBackend;
  kind: 'sandbox' | 'sap';
  created: () => Promise<number>;
  close: () => Promise<void>;
}

const backends: Array<[string, (databaseUrl: string) => Promise<Setup>]> = [
  [
    'sandbox (PostgreSQL)',
    async (databaseUrl) => {
      const finance = await sandboxOn(databaseUrl);
      return {
        finance,
        kind: 'sandbox',
        created: async () =>
          (await finance.pool.query('SELECT count(*)::int AS n FROM finance_sandbox.requisitions')).rows[0].n,
        close: () => finance.close(),
      };
    },
  ],
  [
    'SAP (fake S/4HANA over OData)',
    async () => {
      const fake: FakeS4Hana = await startFakeS4Hana({
        seed: seedData(),
        auth: { kind: 'basic', username: 'MCP_COMM_USER', password: 'secret-pass' },
        pageSize: 150,
      });
      return {
        finance: sapOn(fake),
        kind: 'sap',
        created: async () => fake.requisitions.length,
        close: () => fake.close(),
      };
    },
  ],
];

const SUPPLIER = seedData().purchaseOrders[0]!.supplier_id;

describeWithPostgres('every finance tool through a real MCP client', (adminUrl) => {
  describe.each(backends)('%s', (_label, setUp) => {
    let db: { url: string; drop: () => Promise<void> };
    let setup: Setup;
    let stack: FullStack;
    let client: McpTestClient;

    beforeAll(async () => {
      db = await freshDatabase(adminUrl, 'e2e');
      setup = await setUp(db.url);
      stack = await startFinance(setup.finance, db.url);
      client = await connectMcpClient(stack.url, {
        token: await personToken(stack, 'rita.requester@example.com', ['buyer']),
        era: '2025',
      });
    }, 180_000);
    afterAll(async () => {
      await client?.close();
      await stack?.close();
      await setup?.close();
      await db?.drop();
    });

    it('lists the eight tools with output schemas, annotations and descriptions; one write with approver approval', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
      for (const tool of tools) {
        expect(tool.outputSchema).toBeDefined();
        expect(tool.description!.length).toBeGreaterThan(100);
      }
      expect(tools.filter((t) => t.annotations?.readOnlyHint === false).map((t) => t.name)).toEqual([
        'create_purchase_requisition',
      ]);
    });

    it('search_suppliers, get_supplier_profile, get_supplier_invoices: money as decimal strings, dates as ISO dates', async () => {
      const search = resultOk<{ items: Array<{ id: string; country: string }> }>(
        await client.callTool({ name: 'search_suppliers', arguments: { country: 'DE', limit: 3 } }),
      );
      expect(search.items).toHaveLength(3);
      expect(search.items.every((s) => s.country === 'DE')).toBe(true);
      const profile = resultOk<{
        supplier: { id: string };
        spend: Array<{ amount: string; currency: string }>;
        paymentTerms: Array<{ netDays: number }>;
        invoices: { averageDaysToPay: string };
      }>(await client.callTool({ name: 'get_supplier_profile', arguments: { supplierId: SUPPLIER } }));
      expect(profile.supplier.id).toBe(SUPPLIER);
      expect(profile.spend.every((m) => /^\d+\.\d{2}$/.test(m.amount))).toBe(true);
      expect(profile.paymentTerms.length).toBeGreaterThan(0);
      const invoices = resultOk<{
        items: Array<{ documentDate: string; gross: { amount: string } }>;
        summary: { invoices: number };
      }>(
        await client.callTool({
          name: 'get_supplier_invoices',
          arguments: { supplierId: SUPPLIER, from: '2024-11-23', to: ANCHOR, limit: 5 },
        }),
      );
      expect(invoices.items.every((i) => /^\d{4}-\d{2}-\d{2}$/.test(i.documentDate))).toBe(true);
      expect(invoices.summary.invoices).toBe(
        seedData().invoices.filter((i) => i.supplier_id === SUPPLIER && i.document_date >= '2024-11-23')
          .length,
      );
    });

    it('list_open_purchase_orders, get_purchase_order, list_contracts and rank_suppliers', async () => {
      const open = resultOk<{ items: Array<{ id: string; netValue: { amount: string; currency: string } }> }>(
        await client.callTool({
          name: 'list_open_purchase_orders',
          arguments: { minValue: { amount: '20000', currency: 'EUR' }, limit: 5 },
        }),
      );
      expect(open.items.length).toBeGreaterThan(0);
      expect(
        open.items.every((p) => p.netValue.currency === 'EUR' && Number(p.netValue.amount) >= 20000),
      ).toBe(true);
      const po = resultOk<{ purchaseOrder: { id: string; items: unknown[] } }>(
        await client.callTool({
          name: 'get_purchase_order',
          arguments: { purchaseOrderId: open.items[0]!.id },
        }),
      );
      expect(po.purchaseOrder.items.length).toBeGreaterThan(0);
      const contracts = resultOk<{ items: Array<{ validTo: string }> }>(
        await client.callTool({ name: 'list_contracts', arguments: { endingIn: '2027-Q3', limit: 50 } }),
      );
      expect(contracts.items.length).toBe(
        seedData().contracts.filter((c) => c.valid_to >= '2027-07-01' && c.valid_to <= '2027-09-30').length,
      );
      const ranked = await client.callTool({ name: 'rank_suppliers', arguments: { top: 5 } });
      expect(resultOk<{ suppliers: unknown[] }>(ranked).suppliers).toHaveLength(5);
      expect(resultText(ranked)).toContain('Top 5 suppliers by EUR spend');
    });

    it('refuses hostile arguments with a validation error before any backend call', async () => {
      for (const args of [
        { name: 'get_supplier_profile', arguments: { supplierId: "1' or 1 eq 1" } },
        { name: 'get_purchase_order', arguments: { purchaseOrderId: '45%27' } },
        { name: 'search_suppliers', arguments: { country: "DE' or '1" } },
        { name: 'list_open_purchase_orders', arguments: { minValue: { amount: '1e9', currency: 'EUR' } } },
        { name: 'list_contracts', arguments: { endingIn: '2027-Q3) or (1' } },
      ]) {
        expect(resultError(await client.callTool(args)).code).toBe('INVALID_ARGUMENTS');
      }
    });

    it('resources and prompts: a supplier and a purchase order as templates, supplier_review and renewal_radar', async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
        'finance://purchase-orders/{id}',
        'finance://suppliers/{id}',
      ]);
      const supplier = await client.readResource({ uri: `finance://suppliers/${SUPPLIER}` });
      expect(JSON.parse((supplier.contents[0] as { text: string }).text).supplier.id).toBe(SUPPLIER);
      const po = seedData().purchaseOrders[5]!.id;
      const order = await client.readResource({ uri: `finance://purchase-orders/${po}` });
      expect(JSON.parse((order.contents[0] as { text: string }).text).purchaseOrder.id).toBe(po);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual(['renewal_radar', 'supplier_review']);
      const radar = await client.getPrompt({ name: 'renewal_radar', arguments: { quarter: '2027-Q3' } });
      expect(JSON.stringify(radar.messages)).toContain('2027-07-01 to 2027-09-30');
    });

    it('a requisition above the threshold needs two different procurement managers, then runs once', async () => {
      const args = {
        items: [
          {
            material: 'EL-PCB-4L',
            description: 'PCB 4 layers',
            quantity: '3000',
            unit: 'PC',
            plant: '1020',
            deliveryDate: '2027-03-01',
            valuationPrice: { amount: '11.20', currency: 'EUR' },
            purchasingGroup: '001',
          },
        ],
      };
      const before = await setup.created();
      const pending = resultError(
        await client.callTool({ name: 'create_purchase_requisition', arguments: args }),
      ) as unknown as {
        code: string;
        approvalId: string;
        preview: { summary: string };
      };
      expect(pending.code).toBe('APPROVAL_REQUIRED');
      expect(pending.preview.summary).toContain('33600.00 EUR');
      expect(pending.preview.summary).toContain('needs two procurement managers');
      const mona = await personToken(stack, 'mona@example.com', ['procurement-manager']);
      expect((await decide(stack, pending.approvalId, mona)).status).toBe(200);
      expect((await decide(stack, pending.approvalId, mona)).status).toBe(409); // the same manager twice
      const still = resultError(
        await client.callTool({
          name: 'create_purchase_requisition',
          arguments: { ...args, approvalId: pending.approvalId },
        }),
      );
      expect(still.code).toBe('APPROVAL_PENDING');
      expect(await setup.created()).toBe(before);
      const max = await personToken(stack, 'max@example.com', ['procurement-manager']);
      expect((await decide(stack, pending.approvalId, max)).status).toBe(200);
      const done = resultOk<{ requisition: string; total: { amount: string } }>(
        await client.callTool({
          name: 'create_purchase_requisition',
          arguments: { ...args, approvalId: pending.approvalId },
        }),
      );
      expect(done.total.amount).toBe('33600.00');
      expect(await setup.created()).toBe(before + 1);
      expect(
        resultError(
          await client.callTool({
            name: 'create_purchase_requisition',
            arguments: { ...args, approvalId: pending.approvalId },
          }),
        ).code,
      ).toBe('APPROVAL_ALREADY_USED');
    });

    it('refuses a requisition for a supplier blocked for purchasing, with what to do', async () => {
      const blocked = seedData().suppliers.find((s) => s.purchasing_blocked)!;
      const result = await client.callTool({
        name: 'create_purchase_requisition',
        arguments: {
          items: [
            {
              description: 'Test',
              quantity: '1',
              unit: 'EA',
              plant: '1010',
              deliveryDate: '2027-03-01',
              valuationPrice: { amount: '10', currency: 'EUR' },
              supplierId: blocked.id,
              purchasingGroup: '003',
            },
          ],
        },
      });
      const error = resultError(result);
      expect(error.code).toBe('INVALID_ARGUMENTS');
      expect(error.message).toContain('blocked for purchasing');
    });
  });
});
