import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { aggregation, aggregationSchema, invoiceSummarySchema, summarizeInvoices } from '../analytics.ts';
import { cursorAfter, INVOICES } from '../backends/lists.ts';
import { type Invoice, invoiceSchema, PAYMENT_STATUSES } from '../model.ts';
import {
  cursor,
  fmt,
  isoDate,
  limit,
  listText,
  pageOutput,
  pageResult,
  periodOf,
  supplierId,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  supplierId,
  status: z.enum(PAYMENT_STATUSES).optional().describe('paid, open or blocked (open with a payment block)'),
  from: isoDate.optional().describe('Invoice document date from (default 365 days before today)'),
  to: isoDate.optional().describe('Invoice document date to (default today)'),
  limit: limit(20, 100),
  cursor,
});
const output = pageOutput(invoiceSchema).extend({
  from: z.string(),
  to: z.string(),
  summary: invoiceSummarySchema.describe('Over every invoice of the supplier in the window (all statuses)'),
  aggregation: aggregationSchema,
});

export function getSupplierInvoices({ finance, today, aggregationBound }: ToolDeps) {
  return defineTool({
    name: 'get_supplier_invoices',
    title: 'Supplier invoice history',
    description:
      "A supplier's invoice history, newest first: status (paid, open, blocked), due date, paid date, days to pay, " +
      'payment block reason and amount, plus a summary over the window (counts, open and blocked amounts per ' +
      'currency, average days to pay, paid late, overdue). At most 100 per call; follow nextCursor for more.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const now = today();
      const { from, to } = periodOf(args, now, 5 * 366);
      const [page, facts] = await Promise.all([
        finance.listInvoices(
          {
            supplierId: args.supplierId,
            status: args.status,
            from,
            to,
            limit: args.limit,
            cursor: args.cursor,
          },
          ctx,
        ),
        finance.invoiceFacts({ supplierId: args.supplierId, from, to, bound: aggregationBound }, ctx),
      ]);
      return {
        ...pageResult(page),
        from,
        to,
        summary: summarizeInvoices(facts.rows, now),
        aggregation: aggregation(facts.rows.length, aggregationBound, facts.complete, 'invoices'),
      };
    },
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) =>
        cursorAfter(
          INVOICES,
          { supplierId: args.supplierId, status: args.status, ...periodOf(args, today(), 5 * 366) },
          item as Invoice,
        ),
    },
    render: (out) =>
      `${out.summary.invoices} invoices ${out.from}..${out.to}: ${out.summary.paid} paid (avg ${out.summary.averageDaysToPay ?? '?'} days), ${out.summary.open} open, ${out.summary.blocked} blocked, ${out.summary.overdue} overdue.\n` +
      listText(
        out,
        'No invoice matches.',
        (i) =>
          `${i.id}/${i.fiscalYear} ${i.documentDate} ${fmt(i.gross)} ${i.status}${i.paymentBlockReason ? ` (block ${i.paymentBlockReason})` : ''}, due ${i.dueDate ?? '?'}${i.paidDate ? `, paid ${i.paidDate} after ${i.daysToPay} days` : ''}`,
      ),
  });
}
