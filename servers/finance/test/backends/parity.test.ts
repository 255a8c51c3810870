import { describeWithPostgres } from '@mcp-platform/test-support';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { FinanceBackend } from '../../src/backends/finance-backend.ts';
import type { SandboxBackend } from '../../src/backends/sandbox.ts';
import { type FakeS4Hana, startFakeS4Hana } from '../fake/fake-s4hana.ts';
import { ANCHOR, call, freshDatabase, sandboxOn, sapOn, seedData } from '../helpers.ts';

// Whole flows over real HTTP and PostgreSQL: generous limits for a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 180_000 });

/**
 * Backend parity: every business operation answers the same over the PostgreSQL sandbox and over
 * SAP OData (the fake S/4HANA serving the same seed), so tools behave alike on both.
 */
describeWithPostgres('sandbox and SAP backends agree on every operation', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let sandbox: SandboxBackend;
  let fake: FakeS4Hana;
  let sap: FinanceBackend;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'parity');
    sandbox = await sandboxOn(db.url);
    fake = await startFakeS4Hana({
      seed: seedData(),
      auth: { kind: 'basic', username: 'MCP_COMM_USER', password: 'secret-pass' },
      pageSize: 37,
    });
    sap = sapOn(fake);
  }, 180_000);
  afterAll(async () => {
    await sandbox?.close();
    await fake?.close();
    await db?.drop();
  });

  const both = async <T>(fn: (b: FinanceBackend) => Promise<T>): Promise<[T, T]> => [
    await fn(sandbox),
    await fn(sap),
  ];
  const supplier = () => seedData().purchaseOrders[0]!.supplier_id;

  it('searchSuppliers (name, country, category, blocked) and paging', async () => {
    for (const query of [
      { name: 'LOGISTICS', limit: 5 },
      { country: 'DE', limit: 7 },
      { category: 'ELEC' as const, blocked: false, limit: 10 },
      { blocked: true, limit: 50 },
      { name: "o'brien", limit: 20 },
    ]) {
      const [a, b] = await both((x) => x.searchSuppliers(query, call()));
      expect(b.items).toEqual(a.items);
      expect(a.items.length).toBeGreaterThan(0);
      expect(b.nextCursor === undefined).toBe(a.nextCursor === undefined);
      if (a.nextCursor && b.nextCursor) {
        const [a2, b2] = [
          await sandbox.searchSuppliers({ ...query, cursor: a.nextCursor }, call()),
          await sap.searchSuppliers({ ...query, cursor: b.nextCursor }, call()),
        ];
        expect(b2.items).toEqual(a2.items);
      }
    }
  });

  it('getSupplier and supplierTerms', async () => {
    const [a, b] = await both((x) => x.getSupplier(supplier(), call()));
    expect(b).toEqual(a);
    expect(a).toBeDefined();
    const [t1, t2] = await both((x) => x.supplierTerms(supplier(), call()));
    expect(t2).toEqual(t1);
    expect(await sap.getSupplier('99999999', call())).toBeUndefined();
  });

  it('purchaseOrderValues (spend rows) within the bound, and the bound itself', async () => {
    const q = { from: '2026-01-01', to: ANCHOR, bound: 20_000 };
    const [a, b] = await both((x) => x.purchaseOrderValues(q, call()));
    expect(b).toEqual(a);
    expect(a.complete).toBe(true);
    expect(a.rows.length).toBeGreaterThan(1000);
    const [c, d] = await both((x) => x.purchaseOrderValues({ ...q, bound: 100 }, call()));
    expect(d).toEqual(c);
    expect(c).toMatchObject({ complete: false });
    expect(c.rows).toHaveLength(100);
  });

  it('listPurchaseOrders with every filter, and getPurchaseOrder', async () => {
    for (const query of [
      { openOnly: true, limit: 10 },
      { openOnly: true, limit: 5, minValue: { amount: '20000', currency: 'EUR' } },
      { openOnly: true, limit: 5, supplierId: supplier(), companyCode: '1010' },
      { openOnly: true, limit: 5, approvalStatus: 'in_approval' as const },
      {
        openOnly: true,
        limit: 5,
        deliveryStatus: 'partially_delivered' as const,
        from: '2026-09-01',
        to: ANCHOR,
      },
    ]) {
      const [a, b] = await both((x) => x.listPurchaseOrders(query, call()));
      expect(b.items).toEqual(a.items);
      if (a.nextCursor && b.nextCursor) {
        const a2 = await sandbox.listPurchaseOrders({ ...query, cursor: a.nextCursor }, call());
        const b2 = await sap.listPurchaseOrders({ ...query, cursor: b.nextCursor }, call());
        expect(b2.items).toEqual(a2.items);
      }
    }
    const invoiced = seedData().invoices.find((i) => i.po_id !== null)!.po_id!;
    const [a, b] = await both((x) => x.getPurchaseOrder(invoiced, call()));
    expect(b).toEqual(a);
    expect(a?.invoices.length).toBeGreaterThan(0);
    expect(await sap.getPurchaseOrder('4599999999', call())).toBeUndefined();
  });

  it('listInvoices by status with paging, and invoiceFacts', async () => {
    for (const status of [undefined, 'paid', 'open', 'blocked'] as const) {
      const query = { supplierId: supplier(), status, from: '2024-11-23', to: ANCHOR, limit: 4 };
      const [a, b] = await both((x) => x.listInvoices(query, call()));
      expect(b.items).toEqual(a.items);
      if (a.nextCursor && b.nextCursor) {
        const a2 = await sandbox.listInvoices({ ...query, cursor: a.nextCursor }, call());
        const b2 = await sap.listInvoices({ ...query, cursor: b.nextCursor }, call());
        expect(b2.items).toEqual(a2.items);
      }
    }
    const [f1, f2] = await both((x) =>
      x.invoiceFacts({ supplierId: supplier(), from: '2024-11-23', to: ANCHOR, bound: 20_000 }, call()),
    );
    expect(f2).toEqual(f1);
    expect(f1.rows.some((i) => i.status === 'paid')).toBe(true);
  });

  it('listContracts (end window, active, value range) with paging', async () => {
    for (const query of [
      { endFrom: '2027-07-01', endTo: '2027-09-30', limit: 10 },
      { activeOn: ANCHOR, limit: 10, minValue: { amount: '500000', currency: 'EUR' } },
      { supplierId: supplier(), limit: 5 },
      { limit: 7, maxValue: { amount: '300000.00', currency: 'USD' } },
    ]) {
      const [a, b] = await both((x) => x.listContracts(query, call()));
      expect(b.items).toEqual(a.items);
      if (a.nextCursor && b.nextCursor) {
        const a2 = await sandbox.listContracts({ ...query, cursor: a.nextCursor }, call());
        const b2 = await sap.listContracts({ ...query, cursor: b.nextCursor }, call());
        expect(b2.items).toEqual(a2.items);
      }
    }
  });

  it('createRequisition numbers and items alike', async () => {
    const input = {
      description: 'Bearings for line 3',
      items: [
        {
          material: 'MR-BRG-6204',
          description: 'Ball bearing 6204',
          quantity: '200',
          unit: 'PC',
          plant: '1010',
          deliveryDate: '2027-01-15',
          valuationPrice: { amount: '2.75', currency: 'EUR' },
          supplierId: supplier(),
          purchasingGroup: '002',
        },
      ],
    };
    const [a, b] = await both((x) => x.createRequisition(input, call()));
    expect(b).toEqual(a);
    expect(a.number).toBe('10000001');
    expect(fake.requisitions).toHaveLength(1);
  });
});
