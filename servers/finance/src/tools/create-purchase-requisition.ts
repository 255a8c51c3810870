import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { FinanceBackend, NewRequisition } from '../backends/finance-backend.ts';
import { moneySchema, PLANTS, PURCHASING_GROUPS, SAP } from '../model.ts';
import { compareAmounts, decimal, lineValue, type Money, MoneyTotals } from '../money.ts';
import {
  dataFlags,
  flagged,
  fmt,
  isoDate,
  moneyInput,
  recordsText,
  supplierId,
  type ToolDeps,
} from './inputs.ts';

const item = z
  .object({
    material: z
      .string()
      .regex(SAP.material, 'must be an SAP material number (capitals, digits, - and _), e.g. MR-BRG-6204')
      .optional()
      .describe('Material number; leave out for a free-text item'),
    description: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .describe('Short text of the item (max 40 characters, as in SAP)'),
    quantity: z
      .string()
      .regex(/^\d{1,10}(\.\d{1,3})?$/, 'must be a positive decimal like 10 or 2.5')
      .refine((q) => decimal(q).gt(0), 'must be more than 0')
      .describe('Quantity as a decimal string, e.g. "10"'),
    unit: z
      .string()
      .regex(SAP.unit, 'must be an SAP unit of measure like PC, KG, EA, DAY')
      .describe('Unit of measure'),
    plant: z
      .enum(Object.keys(PLANTS) as [string, ...string[]])
      .describe('Plant: 1010 Hamburg, 1020 Munich, 1710 Chicago, 2010 Lyon'),
    deliveryDate: isoDate.describe('Requested delivery date (YYYY-MM-DD, not in the past)'),
    valuationPrice: moneyInput.describe('Valuation price per unit and its currency'),
    supplierId: supplierId.optional().describe('Desired supplier (SAP supplier number)'),
    purchasingGroup: z
      .enum(Object.keys(PURCHASING_GROUPS) as [string, ...string[]])
      .describe('Purchasing group: 001 direct materials, 002 indirect materials, 003 services'),
  })
  .strict();

const input = z.object({
  description: z.string().trim().min(1).max(40).optional().describe('Header text of the requisition'),
  items: z.array(item).min(1).max(20).describe('1-20 items'),
});
const output = z.object({
  requisition: z.string().describe('SAP purchase requisition number'),
  items: z.array(z.object({ item: z.string(), description: z.string(), value: moneySchema })),
  total: moneySchema,
  dataFlags,
});

/** Item values and the total; every item must be valued in one currency (totals are never mixed). */
function valuation(args: NewRequisition): { values: Money[]; total: Money } {
  const totals = new MoneyTotals();
  const values = args.items.map((i) =>
    lineValue(i.valuationPrice.amount, i.quantity, '1', i.valuationPrice.currency),
  );
  for (const v of values) totals.add(v);
  const total = totals.single();
  if (!total) {
    throw new ToolError(
      'INVALID_ARGUMENTS',
      `Items are valued in several currencies (${totals.currencies.join(', ')})`,
      {
        hint: 'Value every item of one requisition in the same currency, or create one requisition per currency.',
      },
    );
  }
  return { values, total };
}

async function check(
  finance: FinanceBackend,
  args: NewRequisition,
  today: string,
  call: UpstreamCall,
): Promise<void> {
  for (const [n, it] of args.items.entries()) {
    if (it.deliveryDate < today) {
      throw new ToolError(
        'INVALID_ARGUMENTS',
        `Item ${n + 1}: the delivery date ${it.deliveryDate} is in the past`,
        {
          hint: 'Use today or a later date.',
        },
      );
    }
  }
  const suppliers = [
    ...new Set(args.items.map((i) => i.supplierId).filter((s): s is string => s !== undefined)),
  ];
  for (const id of suppliers) {
    const supplier = await finance.getSupplier(id, call);
    if (!supplier)
      throw new ToolError('NOT_FOUND', `No supplier ${id}`, {
        hint: 'Use search_suppliers to find supplier numbers.',
      });
    if (supplier.purchasingBlocked) {
      throw new ToolError(
        'INVALID_ARGUMENTS',
        `Supplier ${id} (${supplier.name}) is blocked for purchasing`,
        {
          hint: 'Choose another supplier, or leave the desired supplier empty for purchasing to source it.',
        },
      );
    }
  }
}

export function createPurchaseRequisition({ finance, today, secondApprovalAbove }: ToolDeps) {
  return defineTool({
    name: 'create_purchase_requisition',
    title: 'Create purchase requisition',
    description:
      'Drafts a purchase requisition in SAP (items with material or free text, quantity and unit, plant, delivery ' +
      'date, valuation price and currency, desired supplier, purchasing group). It is NOT created right away: the ' +
      'first call returns a preview with the total value and an approval id; a procurement manager (never the ' +
      'requester) approves it; then call again with the same arguments plus approvalId to create it once.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'approver', rateLimitPerMinute: 10 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      await check(finance, args, today(), ctx);
      const { values, total } = valuation(args);
      const second =
        secondApprovalAbove !== undefined &&
        secondApprovalAbove.currency === total.currency &&
        compareAmounts(total.amount, secondApprovalAbove.amount) > 0;
      return {
        summary:
          `Create a purchase requisition${args.description ? ` "${args.description}"` : ''} with ${args.items.length} item(s), total ${fmt(total)}` +
          `${second ? ` (above ${fmt(secondApprovalAbove!)}: needs two procurement managers)` : ''}.`,
        changes: {
          PurchaseRequisitionDescription: args.description ?? null,
          items: args.items.map((i, n) => ({
            PurchaseRequisitionItem: String((n + 1) * 10).padStart(5, '0'),
            Material: i.material ?? null,
            PurchaseRequisitionItemText: i.description,
            RequestedQuantity: i.quantity,
            BaseUnit: i.unit,
            Plant: i.plant,
            DeliveryDate: i.deliveryDate,
            PurchaseRequisitionPrice: i.valuationPrice.amount,
            PurReqnItemCurrency: i.valuationPrice.currency,
            FixedSupplier: i.supplierId ?? null,
            PurchasingGroup: i.purchasingGroup,
            value: fmt(values[n]!),
          })),
          total: fmt(total),
        },
        records: [
          ...new Set(
            args.items.flatMap((i) => (i.supplierId ? [`${finance.kind}:Supplier/${i.supplierId}`] : [])),
          ),
        ],
        total: { amount: Number(total.amount), currency: total.currency },
        ...(second ? { approvalsRequired: 2 } : {}),
      };
    },
    handler: async (args, ctx) => {
      await check(finance, args, today(), ctx);
      const { values, total } = valuation(args);
      const created = await finance.createRequisition(args, ctx);
      ctx.touch(`${finance.kind === 'sap' ? 'sap' : 'sandbox'}:PurchaseRequisition/${created.number}`);
      ctx.log.info(
        { requisition: created.number, items: args.items.length, total },
        'purchase requisition created',
      );
      return flagged({
        requisition: created.number,
        items: created.items.map((i, n) => ({ item: i.item, description: i.description, value: values[n]! })),
        total,
      });
    },
    render: (out) =>
      recordsText(
        `Created purchase requisition ${out.requisition}, total ${fmt(out.total)}:\n` +
          out.items.map((i) => `  ${i.item} ${i.description} ${fmt(i.value)}`).join('\n'),
      ),
  });
}
