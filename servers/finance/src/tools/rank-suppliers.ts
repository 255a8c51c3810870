import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { aggregation, aggregationSchema, spendBySupplier, supplierTerms } from '../analytics.ts';
import { companyTermsSchema, moneySchema } from '../model.ts';
import { compareAmounts, type Money } from '../money.ts';
import {
  companyCode,
  currency,
  dataFlags,
  flagged,
  isoDate,
  periodOf,
  quarter,
  quarterWindow,
  recordsText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  from: isoDate
    .optional()
    .describe('Spend period start (order date, inclusive; default 365 days before today)'),
  to: isoDate.optional().describe('Spend period end (inclusive; default today)'),
  top: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(20)
    .describe('How many suppliers to return (1-50, default 20)'),
  currency: currency
    .default('EUR')
    .describe('Rank by spend in this currency (amounts are never converted; default EUR)'),
  companyCode: companyCode.optional(),
  renewalQuarter: quarter
    .optional()
    .describe('Flag suppliers whose next contract ends in this quarter, e.g. 2027-Q3'),
});

const ranked = z.object({
  rank: z.number().int(),
  supplierId: z.string(),
  name: z.string().nullable(),
  country: z.string().nullable(),
  spend: moneySchema.describe('Spend in the ranking currency (sum of purchase order net values)'),
  otherCurrencySpend: z
    .array(moneySchema)
    .describe('Spend in other currencies (not converted, not in the ranking)'),
  orders: z.number().int(),
  paymentTerms: z.array(companyTermsSchema),
  averageNetDays: z
    .string()
    .nullable()
    .describe('Mean net days over the company codes the supplier is set up in'),
  nextContractEnd: z
    .string()
    .nullable()
    .describe('End date of the earliest-ending contract still valid today'),
  nextContractId: z.string().nullable(),
  contractEndsInQuarter: z.boolean().optional(),
});
const output = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.string(),
  suppliers: z.array(ranked),
  longestAverageTerms: z
    .object({ supplierId: z.string(), name: z.string().nullable(), averageNetDays: z.string() })
    .nullable()
    .describe('Among the returned suppliers, the one with the longest average payment terms'),
  renewalQuarter: z.object({ quarter: z.string(), from: z.string(), to: z.string() }).optional(),
  aggregation: aggregationSchema,
  dataFlags,
});

export function rankSuppliers({ finance, terms, today, aggregationBound }: ToolDeps) {
  return defineTool({
    name: 'rank_suppliers',
    title: 'Rank suppliers by spend',
    description:
      'Ranks suppliers by purchase order spend in a period (default: the last 365 days) in one currency, and gives ' +
      'for each its payment terms per company code with net days, the average net days, and the end date of its ' +
      'next ending contract. With renewalQuarter (e.g. 2027-Q3) it flags contracts ending in that quarter. Answers ' +
      '"which of our top 20 suppliers has the longest payment terms, and are any up for renewal in Q3?" in one call.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    policy: { timeoutMs: 60_000 },
    handler: async (args, ctx) => {
      const now = today();
      const { from, to } = periodOf(args, now, 3 * 366);
      const values = await finance.purchaseOrderValues(
        {
          from,
          to,
          companyCode: args.companyCode,
          bound: aggregationBound,
        },
        ctx,
      );
      const spend = spendBySupplier(values.rows);
      const zero: Money = { amount: '0.00', currency: args.currency };
      const order = [...spend.entries()]
        .map(([supplierId, s]) => ({ supplierId, s, total: s.totals.in(args.currency) }))
        .filter((e) => compareAmounts(e.total.amount, zero.amount) > 0)
        .sort(
          (a, b) =>
            compareAmounts(b.total.amount, a.total.amount) || a.supplierId.localeCompare(b.supplierId),
        )
        .slice(0, args.top);
      const window = args.renewalQuarter
        ? { quarter: args.renewalQuarter, ...quarterWindow(args.renewalQuarter) }
        : undefined;
      const suppliers = await Promise.all(
        order.map(async (e, i) => {
          const [supplier, t, contracts] = await Promise.all([
            finance.getSupplier(e.supplierId, ctx),
            supplierTerms(finance, terms, e.supplierId, ctx),
            finance.listContracts({ supplierId: e.supplierId, endFrom: now, activeOn: now, limit: 1 }, ctx),
          ]);
          const next = contracts.items[0];
          return {
            rank: i + 1,
            supplierId: e.supplierId,
            name: supplier?.name ?? null,
            country: supplier?.country ?? null,
            spend: e.total,
            otherCurrencySpend: e.s.totals
              .list()
              .filter((m) => m.currency !== args.currency)
              .map(({ amount, currency: c }) => ({ amount, currency: c })),
            orders: e.s.orders,
            paymentTerms: t.perCompany,
            averageNetDays: t.averageNetDays,
            nextContractEnd: next?.validTo ?? null,
            nextContractId: next?.id ?? null,
            ...(window
              ? {
                  contractEndsInQuarter:
                    next !== undefined && next.validTo >= window.from && next.validTo <= window.to,
                }
              : {}),
          };
        }),
      );
      let longest: { supplierId: string; name: string | null; averageNetDays: string } | null = null;
      for (const s of suppliers) {
        if (s.averageNetDays === null) continue;
        if (longest === null || compareAmounts(s.averageNetDays, longest.averageNetDays) > 0) {
          longest = { supplierId: s.supplierId, name: s.name, averageNetDays: s.averageNetDays };
        }
      }
      return flagged({
        from,
        to,
        currency: args.currency,
        suppliers,
        longestAverageTerms: longest,
        ...(window ? { renewalQuarter: window } : {}),
        aggregation: aggregation(values.rows.length, aggregationBound, values.complete, 'purchase orders'),
      });
    },
    render: (out) => {
      const lines = out.suppliers.map(
        (s) =>
          `${s.rank}. ${s.name ?? s.supplierId} (${s.supplierId}) — spend ${s.spend.amount} ${s.spend.currency} in ${s.orders} orders; ` +
          `terms ${s.paymentTerms.map((t) => `${t.companyCode}:${t.key}`).join(', ') || 'none'} (avg ${s.averageNetDays ?? '?'} days); ` +
          `next contract end ${s.nextContractEnd ?? 'none'}${s.contractEndsInQuarter ? ` — ENDS IN ${out.renewalQuarter?.quarter}` : ''}`,
      );
      const head = `Top ${out.suppliers.length} suppliers by ${out.currency} spend, ${out.from} to ${out.to}.`;
      const longest = out.longestAverageTerms
        ? `\nLongest average payment terms: ${out.longestAverageTerms.name} (${out.longestAverageTerms.supplierId}), ${out.longestAverageTerms.averageNetDays} days.`
        : '';
      return `${head}\n${recordsText(lines.join('\n'))}${longest}${out.aggregation.note ? `\n${out.aggregation.note}` : ''}`;
    },
  });
}
