import { defineResourceTemplate } from '@mcp-platform/protocol';
import { z } from 'zod';
import { supplierTerms } from '../analytics.ts';
import { SAP } from '../model.ts';
import { flagged, notFound, type ToolDeps } from '../tools/inputs.ts';

const variables = z.object({ id: z.string().regex(SAP.supplier, 'must be an SAP supplier number') });

/** `finance://suppliers/{id}`: supplier master data, payment terms and active contracts as JSON. */
export function supplierResource({ finance, terms, today }: ToolDeps) {
  return defineResourceTemplate({
    uriTemplate: 'finance://suppliers/{id}',
    name: 'supplier',
    title: 'Supplier',
    description: 'An SAP supplier with its payment terms per company code and its active contracts (JSON).',
    mimeType: 'application/json',
    variables,
    read: async (uri, { id }, ctx) => {
      const supplier = await finance.getSupplier(id!, ctx);
      if (!supplier) throw notFound('supplier', id!, 'Use search_suppliers to find supplier numbers.');
      const [t, contracts] = await Promise.all([
        supplierTerms(finance, terms, supplier.id, ctx),
        finance.listContracts({ supplierId: supplier.id, activeOn: today(), limit: 20 }, ctx),
      ]);
      const body = flagged({
        supplier,
        paymentTerms: t.perCompany,
        averageNetDays: t.averageNetDays,
        activeContracts: contracts.items,
      });
      return [{ uri, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }];
    },
  });
}
