import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import {
  aggregation,
  aggregationSchema,
  invoiceSummarySchema,
  spendBySupplier,
  summarizeInvoices,
  supplierTerms,
} from '../analytics.ts';
import {
  companyTermsSchema,
  contractSchema,
  purchaseOrderSchema,
  supplierSchema,
  totalsSchema,
} from '../model.ts';
import { MoneyTotals } from '../money.ts';
import {
  dataFlags,
  flagged,
  isoDate,
  notFound,
  periodOf,
  recordsText,
  supplierId,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  supplierId,
  from: isoDate.optional().describe('Period start for spend and invoices (default 365 days before today)'),
  to: isoDate.optional().describe('Period end (default today)'),
});
const output = z.object({
  supplier: supplierSchema,
  paymentTerms: z.array(companyTermsSchema),
  averageNetDays: z.string().nullable(),
  period: z.object({ from: z.string(), to: z.string() }),
  spend: totalsSchema.describe('Purchase order net value in the period, per currency'),
  orders: z.number().int(),
  openPurchaseOrders: z.object({ items: z.array(purchaseOrderSchema), hasMore: z.boolean() }),
  invoices: invoiceSummarySchema,
  activeContracts: z.array(contractSchema),
  aggregation: aggregationSchema,
  dataFlags,
});

export function getSupplierProfile({ finance, terms, today, aggregationBound }: ToolDeps) {
  return defineTool({
    name: 'get_supplier_profile',
    title: 'Supplier profile',
    description:
      'One supplier in one call: master data and blocks, payment terms per company code with net days and cash ' +
      'discounts, spend over a period (default the last 365 days, per currency), its newest open purchase orders, ' +
      'open and blocked invoices with amounts and average days to pay, and its active contracts with end dates.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    policy: { timeoutMs: 60_000 },
    handler: async (args, ctx) => {
      const now = today();
      const { from, to } = periodOf(args, now, 3 * 366);
      const supplier = await finance.getSupplier(args.supplierId, ctx);
      if (!supplier)
        throw notFound('supplier', args.supplierId, 'Use search_suppliers to find supplier numbers.');
      const [t, values, open, invoices, contracts] = await Promise.all([
        supplierTerms(finance, terms, supplier.id, ctx),
        finance.purchaseOrderValues({ from, to, supplierId: supplier.id, bound: aggregationBound }, ctx),
        finance.listPurchaseOrders({ supplierId: supplier.id, openOnly: true, limit: 5 }, ctx),
        finance.invoiceFacts({ supplierId: supplier.id, from, to, bound: aggregationBound }, ctx),
        finance.listContracts({ supplierId: supplier.id, activeOn: now, limit: 20 }, ctx),
      ]);
      const spend = spendBySupplier(values.rows).get(supplier.id);
      return flagged({
        supplier,
        paymentTerms: t.perCompany,
        averageNetDays: t.averageNetDays,
        period: { from, to },
        spend: (spend?.totals ?? new MoneyTotals()).list(),
        orders: spend?.orders ?? 0,
        openPurchaseOrders: { items: open.items, hasMore: open.nextCursor !== undefined },
        invoices: summarizeInvoices(invoices.rows, now),
        activeContracts: contracts.items,
        aggregation: aggregation(
          values.rows.length + invoices.rows.length,
          aggregationBound,
          values.complete && invoices.complete,
          'purchase orders or invoices',
        ),
      });
    },
    render: (out) => {
      const s = out.supplier;
      return recordsText(
        [
          `${s.name} (${s.id}), ${s.city ?? '?'} ${s.country ?? ''}; ${s.categoryName ?? 'no category'}${s.purchasingBlocked ? '; BLOCKED for purchasing' : ''}${s.paymentBlocked ? '; payments blocked' : ''}`,
          `Payment terms: ${out.paymentTerms.map((t) => `${t.companyCode} ${t.key} (${t.netDays ?? '?'} days net)`).join(', ') || 'none'}; average ${out.averageNetDays ?? '?'} days`,
          `Spend ${out.period.from}..${out.period.to}: ${out.spend.map((m) => `${m.amount} ${m.currency}`).join(' + ') || 'none'} in ${out.orders} orders`,
          `Open POs: ${out.openPurchaseOrders.items.map((p) => `${p.id} ${p.netValue.amount} ${p.netValue.currency}`).join(', ') || 'none'}${out.openPurchaseOrders.hasMore ? ' (more)' : ''}`,
          `Invoices: ${out.invoices.paid} paid (avg ${out.invoices.averageDaysToPay ?? '?'} days to pay), ${out.invoices.open} open, ${out.invoices.blocked} blocked`,
          `Active contracts: ${out.activeContracts.map((c) => `${c.id} until ${c.validTo}`).join(', ') || 'none'}`,
        ].join('\n'),
      );
    },
  });
}
