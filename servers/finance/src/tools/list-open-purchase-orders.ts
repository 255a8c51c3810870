import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { cursorAfter, PURCHASE_ORDERS } from '../backends/lists.ts';
import { APPROVAL_STATUSES, DELIVERY_STATUSES, type PurchaseOrder, purchaseOrderSchema } from '../model.ts';
import {
  checkWindow,
  companyCode,
  cursor,
  fmt,
  isoDate,
  limit,
  listText,
  moneyInput,
  pageOutput,
  pageResult,
  supplierId,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  supplierId: supplierId.optional(),
  minValue: moneyInput.optional().describe('Only orders with at least this net value (in that currency)'),
  companyCode: companyCode.optional(),
  from: isoDate.optional().describe('Order date from (inclusive)'),
  to: isoDate.optional().describe('Order date to (inclusive)'),
  approvalStatus: z
    .enum(APPROVAL_STATUSES)
    .optional()
    .describe('in_process, in_approval, released or rejected'),
  deliveryStatus: z
    .enum(DELIVERY_STATUSES)
    .optional()
    .describe('not_delivered, partially_delivered or delivered'),
  limit: limit(20, 100),
  cursor,
});
const output = pageOutput(purchaseOrderSchema);

export function listOpenPurchaseOrders({ finance }: ToolDeps) {
  return defineTool({
    name: 'list_open_purchase_orders',
    title: 'List open purchase orders',
    description:
      'Lists open purchase orders (not rejected, not yet fully delivered and invoiced), newest first, with net value, ' +
      'approval, delivery and invoice status. Filter by supplier, minimum value (amount + currency), company code, ' +
      'order date window, approval status and delivery status. At most 100 per call; follow nextCursor for more.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      if (args.from !== undefined && args.to !== undefined) checkWindow(args.from, args.to, 5 * 366);
      return pageResult(await finance.listPurchaseOrders({ ...args, openOnly: true }, ctx));
    },
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) =>
        cursorAfter(PURCHASE_ORDERS, { ...args, openOnly: true }, item as PurchaseOrder),
    },
    render: (out) =>
      listText(
        out,
        'No open purchase order matches.',
        (p) =>
          `${p.id} ${p.orderDate} ${p.supplierName ?? p.supplierId} (${p.supplierId}) ${fmt(p.netValue)} — ${p.approvalStatus}, ${p.deliveryStatus}, ${p.invoiceStatus}${p.nextDeliveryDate ? `, next delivery ${p.nextDeliveryDate}` : ''}`,
      ),
  });
}
