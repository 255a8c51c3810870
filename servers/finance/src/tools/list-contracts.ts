import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { CONTRACTS, cursorAfter } from '../backends/lists.ts';
import { type Contract, contractSchema } from '../model.ts';
import {
  checkWindow,
  cursor,
  fmt,
  isoDate,
  limit,
  listText,
  moneyInput,
  pageOutput,
  pageResult,
  quarter,
  quarterWindow,
  supplierId,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  supplierId: supplierId.optional(),
  endingIn: quarter.optional().describe('Only contracts whose validity ends in this quarter, e.g. 2027-Q3'),
  endFrom: isoDate.optional().describe('Only contracts ending on or after this date'),
  endTo: isoDate.optional().describe('Only contracts ending on or before this date'),
  minValue: moneyInput
    .optional()
    .describe('Only contracts with at least this target value (in that currency)'),
  maxValue: moneyInput
    .optional()
    .describe('Only contracts with at most this target value (in that currency)'),
  activeOnly: z.boolean().default(false).describe('Only contracts valid today'),
  limit: limit(20, 100),
  cursor,
});
const output = pageOutput(contractSchema);

/** The backend query of the tool's arguments (a quarter becomes its window). */
function queryOf(args: z.output<typeof input>, today: string) {
  const window = args.endingIn ? quarterWindow(args.endingIn) : { from: args.endFrom, to: args.endTo };
  return {
    supplierId: args.supplierId,
    endFrom: window.from,
    endTo: window.to,
    activeOn: args.activeOnly ? today : undefined,
    minValue: args.minValue,
    maxValue: args.maxValue,
  };
}

export function listContracts({ finance, today }: ToolDeps) {
  return defineTool({
    name: 'list_contracts',
    title: 'List purchase contracts',
    description:
      'Lists purchase contracts (outline agreements) ending soonest first, with supplier, validity and target value. ' +
      'Filter by supplier, end date window or quarter (renewals due), target value range and whether valid today. ' +
      'At most 100 per call; follow nextCursor for more.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      if (args.endingIn && (args.endFrom || args.endTo)) {
        throw new ToolError('INVALID_ARGUMENTS', 'Give either endingIn or endFrom/endTo, not both', {
          hint: 'Use endingIn for a quarter, endFrom/endTo for any window.',
        });
      }
      const query = queryOf(args, today());
      if (query.endFrom && query.endTo) checkWindow(query.endFrom, query.endTo, 5 * 366);
      if (args.minValue && args.maxValue && args.minValue.currency !== args.maxValue.currency) {
        throw new ToolError('INVALID_ARGUMENTS', 'minValue and maxValue are in different currencies', {
          hint: 'Give both bounds in the same currency; amounts are never converted.',
        });
      }
      return pageResult(
        await finance.listContracts({ ...query, limit: args.limit, cursor: args.cursor }, ctx),
      );
    },
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(CONTRACTS, queryOf(args, today()), item as Contract),
    },
    render: (out) =>
      listText(
        out,
        'No contract matches.',
        (c) =>
          `${c.id} ${c.supplierName ?? ''} (${c.supplierId}) ${c.validFrom}..${c.validTo}, target ${fmt(c.targetValue)} — ${c.description}`,
      ),
  });
}
