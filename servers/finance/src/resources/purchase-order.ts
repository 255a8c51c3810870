import { defineResourceTemplate } from '@mcp-platform/protocol';
import { z } from 'zod';
import { SAP } from '../model.ts';
import { flagged, notFound, type ToolDeps } from '../tools/inputs.ts';

const variables = z.object({
  id: z.string().regex(SAP.purchaseOrder, 'must be a 10-digit purchase order number'),
});

/** `finance://purchase-orders/{id}`: a purchase order with items, delivery and invoice status as JSON. */
export function purchaseOrderResource({ finance }: ToolDeps) {
  return defineResourceTemplate({
    uriTemplate: 'finance://purchase-orders/{id}',
    name: 'purchase_order',
    title: 'Purchase order',
    description: 'An SAP purchase order with its items, goods receipt and invoice status (JSON).',
    mimeType: 'application/json',
    variables,
    read: async (uri, { id }, ctx) => {
      const po = await finance.getPurchaseOrder(id!, ctx);
      if (!po) throw notFound('purchase order', id!, 'Use list_open_purchase_orders to find order numbers.');
      return [
        { uri, mimeType: 'application/json', text: JSON.stringify(flagged({ purchaseOrder: po }), null, 2) },
      ];
    },
  });
}
