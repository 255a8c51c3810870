import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { purchaseOrderDetailSchema } from '../model.ts';
import { dataFlags, flagged, fmt, notFound, purchaseOrderId, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({ purchaseOrderId });
const output = z.object({ purchaseOrder: purchaseOrderDetailSchema, dataFlags });

export function getPurchaseOrder({ finance }: ToolDeps) {
  return defineTool({
    name: 'get_purchase_order',
    title: 'Get purchase order',
    description:
      'One purchase order with its items (material, quantity, price, plant, delivery date), goods received and ' +
      'invoiced quantities per item, its delivery and invoice status, and the supplier invoices posted against it.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const po = await finance.getPurchaseOrder(args.purchaseOrderId, ctx);
      if (!po)
        throw notFound(
          'purchase order',
          args.purchaseOrderId,
          'Use list_open_purchase_orders to find order numbers.',
        );
      return flagged({ purchaseOrder: po });
    },
    render: ({ purchaseOrder: p }) =>
      recordsText(
        [
          `PO ${p.id} of ${p.orderDate}, ${p.supplierName ?? ''} (${p.supplierId}), ${fmt(p.netValue)}, ${p.approvalStatus}, ${p.deliveryStatus}, ${p.invoiceStatus}`,
          ...p.items.map(
            (i) =>
              `  ${i.item} ${i.description} ${i.quantity} ${i.unit} × ${i.netPrice.amount}/${i.priceUnit} = ${fmt(i.netValue)}, plant ${i.plant}, due ${i.deliveryDate ?? '?'}, received ${i.receivedQuantity}, invoiced ${i.invoicedQuantity}`,
          ),
          ...p.invoices.map((i) => `  invoice ${i.id}/${i.fiscalYear} ${fmt(i.gross)} ${i.status}`),
        ].join('\n'),
      ),
  });
}
