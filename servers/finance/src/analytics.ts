/**
 * Aggregations OData V2 cannot do (sums, averages, rankings), done here over records the backend reads
 * within `aggregationBound`. Results say when the bound cut the read short (`complete: false`), and
 * money is summed per currency only.
 */
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { FinanceBackend, SpendRow } from './backends/finance-backend.ts';
import { type CompanyTerms, companyTermsSchema, type Invoice, moneySchema, totalsSchema } from './model.ts';
import { MoneyTotals, mean } from './money.ts';
import { type TermsMap, termsOf } from './payment-terms.ts';

export const aggregationSchema = z
  .object({
    recordsRead: z.number().int(),
    bound: z.number().int(),
    complete: z
      .boolean()
      .describe('False when more records matched than the bound allows: the figures are partial'),
    note: z.string().optional(),
  })
  .describe('How the figures were computed (records read, and whether the read was complete)');
export type Aggregation = z.infer<typeof aggregationSchema>;

export function aggregation(
  recordsRead: number,
  bound: number,
  complete: boolean,
  what: string,
): Aggregation {
  return complete
    ? { recordsRead, bound, complete }
    : {
        recordsRead,
        bound,
        complete,
        note: `Only the first ${bound} ${what} were aggregated (the bound); the figures are partial. Narrow the window or filter by company code.`,
      };
}

/** Payment terms of a supplier per company code, with days, and their plain average of net days. */
export async function supplierTerms(
  finance: FinanceBackend,
  terms: TermsMap,
  supplierId: string,
  call: UpstreamCall,
): Promise<{ perCompany: CompanyTerms[]; averageNetDays: string | null }> {
  const raw = await finance.supplierTerms(supplierId, call);
  const perCompany = raw.map((t) => ({ companyCode: t.companyCode, ...termsOf(terms, t.key)! }));
  const days = perCompany.map((t) => t.netDays).filter((d): d is number => d !== null);
  return { perCompany, averageNetDays: mean(days, 1) };
}

/** Spend per supplier (per currency) and order counts from purchase order values. */
export function spendBySupplier(
  rows: readonly SpendRow[],
): Map<string, { totals: MoneyTotals; orders: number }> {
  const out = new Map<string, { totals: MoneyTotals; orders: number }>();
  for (const row of rows) {
    const entry = out.get(row.supplierId) ?? { totals: new MoneyTotals(), orders: 0 };
    entry.totals.add(row.value);
    entry.orders += 1;
    out.set(row.supplierId, entry);
  }
  return out;
}

export const invoiceSummarySchema = z.object({
  invoices: z.number().int(),
  paid: z.number().int(),
  open: z.number().int(),
  blocked: z.number().int(),
  openAmount: totalsSchema.describe('Open (unpaid, not blocked) amounts per currency'),
  blockedAmount: totalsSchema.describe('Blocked amounts per currency'),
  averageDaysToPay: z
    .string()
    .nullable()
    .describe('Mean days from document date to payment over paid invoices'),
  paidLate: z.number().int().describe('Paid invoices paid after their due date'),
  overdue: z.number().int().describe('Unpaid invoices past their due date'),
});
export type InvoiceSummary = z.infer<typeof invoiceSummarySchema>;

export function summarizeInvoices(invoices: readonly Invoice[], today: string): InvoiceSummary {
  const open = new MoneyTotals();
  const blocked = new MoneyTotals();
  const days: number[] = [];
  let paidLate = 0;
  let overdue = 0;
  let paid = 0;
  for (const inv of invoices) {
    if (inv.status === 'paid') {
      paid += 1;
      if (inv.daysToPay !== null) days.push(inv.daysToPay);
      if (inv.dueDate !== null && inv.paidDate !== null && inv.paidDate > inv.dueDate) paidLate += 1;
    } else {
      (inv.status === 'blocked' ? blocked : open).add(inv.gross);
      if (inv.dueDate !== null && inv.dueDate < today) overdue += 1;
    }
  }
  return {
    invoices: invoices.length,
    paid,
    open: invoices.filter((i) => i.status === 'open').length,
    blocked: invoices.filter((i) => i.status === 'blocked').length,
    openAmount: open.list(),
    blockedAmount: blocked.list(),
    averageDaysToPay: mean(days, 1),
    paidLate,
    overdue,
  };
}

export { companyTermsSchema, moneySchema };
