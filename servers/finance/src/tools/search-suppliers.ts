import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { cursorAfter, SUPPLIERS } from '../backends/lists.ts';
import { CATEGORY_KEYS, SAP, type Supplier, supplierSchema } from '../model.ts';
import { cursor, limit, listText, pageOutput, pageResult, searchText, type ToolDeps } from './inputs.ts';

const input = z.object({
  name: searchText('Part of the supplier name (case-insensitive, matched literally)').optional(),
  country: z
    .string()
    .regex(SAP.country, 'must be a 2-letter ISO country code in capitals, e.g. DE')
    .optional()
    .describe('ISO country code of the supplier address, e.g. DE, US, CN'),
  category: z
    .enum(CATEGORY_KEYS)
    .optional()
    .describe(
      'Category (industry key): RAW raw materials, ELEC electronics, PACK packaging, LOGI logistics, ITSV IT services, FACL facility services, MRO maintenance/repair, CHEM chemicals',
    ),
  blocked: z
    .boolean()
    .optional()
    .describe('true: only suppliers blocked for purchasing; false: only unblocked ones'),
  limit: limit(20, 100),
  cursor,
});
const output = pageOutput(supplierSchema);

export function searchSuppliers({ finance }: ToolDeps) {
  return defineTool({
    name: 'search_suppliers',
    title: 'Search suppliers',
    description:
      'Finds SAP suppliers by part of the name, country, category and purchasing block, ordered by supplier number. ' +
      'Returns supplier numbers to use with the other tools. At most 100 per call; follow nextCursor for more.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => pageResult(await finance.searchSuppliers(args, ctx)),
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(SUPPLIERS, args, item as Supplier),
    },
    render: (out) =>
      listText(
        out,
        'No supplier matches.',
        (s) =>
          `${s.id} ${s.name} — ${s.city ?? '?'}, ${s.country ?? '?'}; ${s.categoryName ?? s.category ?? 'no category'}${s.purchasingBlocked ? '; BLOCKED for purchasing' : ''}`,
      ),
  });
}
