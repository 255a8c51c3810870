import type { FullStack } from '@mcp-platform/runtime/testing';
import {
  auditEvents,
  connectMcpClient,
  describeWithPostgres,
  expectAuditedWrite,
  type McpTestClient,
  resultError,
  resultOk,
  resultText,
} from '@mcp-platform/test-support';
import Big from 'big.js';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type FakeS4Hana, startFakeS4Hana } from './fake/fake-s4hana.ts';
import { ANCHOR, freshDatabase, sapOn, seedData } from './helpers.ts';
import { decide, personToken, startFinance } from './support.ts';

// Whole flows over real HTTP and PostgreSQL: generous limits for a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 180_000 });

// The procurement scenario from the issue, through a real MCP client against the full stack on SAP
// (the fake S/4HANA): "Which of our top 20 suppliers has the longest average payment terms, and are
// any approaching contract renewal in Q3?" answered from the tools and checked against the seed
// computed here independently; then a buyer drafts a requisition, cannot approve it herself, a
// procurement manager approves, it is created once, and the audit query shows who asked and approved.

const NET_DAYS: Record<string, number> = {
  NT14: 14,
  NT30: 30,
  NT45: 45,
  NT60: 60,
  NT90: 90,
  ZB01: 45,
  ZB02: 30,
  ZB03: 60,
};
const Q3 = { from: '2027-07-01', to: '2027-09-30' };

/** The expected answer, from the seed rows (not through any backend). */
function expectedRanking() {
  const seed = seedData();
  const from = new Date(Date.parse(`${ANCHOR}T00:00:00Z`) - 365 * 86_400_000).toISOString().slice(0, 10);
  const items = new Map<string, typeof seed.purchaseOrderItems>();
  for (const i of seed.purchaseOrderItems) items.set(i.po_id, [...(items.get(i.po_id) ?? []), i]);
  const spend = new Map<string, Big>();
  for (const po of seed.purchaseOrders) {
    if (po.order_date < from || po.order_date > ANCHOR || po.approval_code === '08' || po.currency !== 'EUR')
      continue;
    let value = new Big(0);
    for (const i of items.get(po.id)!)
      value = value.plus(new Big(i.net_price).times(i.quantity).div(i.price_unit).round(2, Big.roundHalfUp));
    spend.set(po.supplier_id, (spend.get(po.supplier_id) ?? new Big(0)).plus(value));
  }
  const top = [...spend.entries()].sort((a, b) => b[1].cmp(a[1]) || a[0].localeCompare(b[0])).slice(0, 20);
  return top.map(([supplierId, total]) => {
    const days = seed.supplierCompanies
      .filter((c) => c.supplier_id === supplierId)
      .map((c) => NET_DAYS[c.payment_terms]!);
    const average = days
      .reduce((a, b) => a.plus(b), new Big(0))
      .div(days.length)
      .toFixed(1);
    const active = seed.contracts
      .filter((c) => c.supplier_id === supplierId && c.valid_from <= ANCHOR && c.valid_to >= ANCHOR)
      .sort((a, b) => a.valid_to.localeCompare(b.valid_to) || a.id.localeCompare(b.id));
    const next = active[0]?.valid_to ?? null;
    return {
      supplierId,
      spend: total.toFixed(2),
      average,
      next,
      inQ3: next !== null && next >= Q3.from && next <= Q3.to,
    };
  });
}

interface Ranked {
  supplierId: string;
  name: string;
  spend: { amount: string; currency: string };
  averageNetDays: string | null;
  nextContractEnd: string | null;
  contractEndsInQuarter: boolean;
}

describeWithPostgres('procurement scenario', (adminUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let fake: FakeS4Hana;
  let stack: FullStack;
  let buyer: McpTestClient;

  beforeAll(async () => {
    db = await freshDatabase(adminUrl, 'scenario');
    fake = await startFakeS4Hana({
      seed: seedData(),
      auth: { kind: 'basic', username: 'MCP_COMM_USER', password: 'secret-pass' },
      pageSize: 200,
    });
    stack = await startFinance(sapOn(fake), db.url);
    // The buyer is also a procurement manager: even so she can never approve her own request.
    buyer = await connectMcpClient(stack.url, {
      token: await personToken(stack, 'bea.buyer@example.com', ['buyer', 'procurement-manager']),
    });
  }, 180_000);
  afterAll(async () => {
    await buyer?.close();
    await stack?.close();
    await fake?.close();
    await db?.drop();
  });

  it('answers the seed question, then a requisition is approved by a second person, created once, and audited', async () => {
    // 1. The question, in one tool call.
    const answer = resultOk<{
      suppliers: Ranked[];
      longestAverageTerms: { supplierId: string; averageNetDays: string };
      aggregation: { complete: boolean };
    }>(
      await buyer.callTool({
        name: 'rank_suppliers',
        arguments: { top: 20, currency: 'EUR', renewalQuarter: '2027-Q3' },
      }),
    );
    const expected = expectedRanking();
    expect(answer.aggregation.complete).toBe(true);
    expect(
      answer.suppliers.map((s) => ({
        supplierId: s.supplierId,
        spend: s.spend.amount,
        average: s.averageNetDays,
        next: s.nextContractEnd,
        inQ3: s.contractEndsInQuarter,
      })),
    ).toEqual(expected);
    const longest = [...expected].sort((a, b) => Number(b.average) - Number(a.average))[0]!;
    expect(answer.longestAverageTerms).toMatchObject({
      supplierId: longest.supplierId,
      averageNetDays: longest.average,
    });
    expect(expected.some((e) => e.inQ3)).toBe(true); // the seed has renewals in Q3 to find
    const renewals = answer.suppliers.filter((s) => s.contractEndsInQuarter);
    expect(renewals.map((s) => s.supplierId)).toEqual(
      expected.filter((e) => e.inQ3).map((e) => e.supplierId),
    );
    expect(
      resultText(
        await buyer.callTool({ name: 'rank_suppliers', arguments: { top: 20, renewalQuarter: '2027-Q3' } }),
      ),
    ).toContain('ENDS IN 2027-Q3');

    // 2. A requisition for the supplier whose contract ends in Q3: preview and a pending request.
    const supplier = renewals[0]!;
    const args = {
      description: 'Bridge stock until renewal',
      items: [
        {
          description: 'Framework bridge order',
          quantity: '120',
          unit: 'PC',
          plant: '1010',
          deliveryDate: '2027-01-20',
          valuationPrice: { amount: '19.99', currency: 'EUR' },
          supplierId: supplier.supplierId,
          purchasingGroup: '001',
        },
      ],
    };
    const pending = resultError(
      await buyer.callTool({ name: 'create_purchase_requisition', arguments: args }),
    ) as unknown as {
      code: string;
      approvalId: string;
      preview: { summary: string; total: { amount: number; currency: string } };
    };
    expect(pending.code).toBe('APPROVAL_REQUIRED');
    expect(pending.preview.summary).toContain('total 2398.80 EUR');
    expect(fake.requisitions).toHaveLength(0);
    const approvalId = pending.approvalId;

    // 3. The requester cannot approve it (even holding the manager role); a plain buyer is no approver.
    const self = await decide(
      stack,
      approvalId,
      await personToken(stack, 'bea.buyer@example.com', ['buyer', 'procurement-manager']),
    );
    expect(self).toMatchObject({ status: 403, body: { error: 'APPROVAL_SELF_DECISION' } });
    const otherBuyer = await decide(
      stack,
      approvalId,
      await personToken(stack, 'ben.buyer@example.com', ['buyer']),
    );
    expect(otherBuyer.status).toBe(403);
    const early = resultError(
      await buyer.callTool({ name: 'create_purchase_requisition', arguments: { ...args, approvalId } }),
    );
    expect(early.code).toBe('APPROVAL_PENDING');
    expect(fake.requisitions).toHaveLength(0);

    // 4. A procurement manager approves; the requester runs it: created once.
    const manager = await decide(
      stack,
      approvalId,
      await personToken(stack, 'mona.manager@example.com', ['procurement-manager']),
    );
    expect(manager.status).toBe(200);
    const created = resultOk<{ requisition: string; total: { amount: string; currency: string } }>(
      await buyer.callTool({ name: 'create_purchase_requisition', arguments: { ...args, approvalId } }),
    );
    expect(created.total).toEqual({ amount: '2398.80', currency: 'EUR' });
    expect(fake.requisitions.map((r) => r.number)).toEqual([created.requisition]);

    // 5. Replay and tampering are refused; still exactly one requisition in SAP.
    const replay = resultError(
      await buyer.callTool({ name: 'create_purchase_requisition', arguments: { ...args, approvalId } }),
    );
    expect(replay.code).toBe('APPROVAL_ALREADY_USED');
    const tampered = { ...args, items: [{ ...args.items[0]!, quantity: '1200' }], approvalId };
    expect(
      resultError(await buyer.callTool({ name: 'create_purchase_requisition', arguments: tampered })).code,
    ).toBe('APPROVAL_ARGUMENTS_MISMATCH');
    expect(fake.requisitions).toHaveLength(1);

    // 6. The audit query shows who asked and who approved, against the SAP document.
    const record = `sap:PurchaseRequisition/${created.requisition}`;
    const events = await auditEvents(db.url, { record });
    expectAuditedWrite(
      events.find((e) => e.event === 'call'),
      {
        name: 'create_purchase_requisition',
        record,
        subject: 'bea.buyer@example.com',
        approvedBy: 'mona.manager@example.com',
      },
    );
  });
});
