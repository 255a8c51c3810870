import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { cursorAfter, OPPORTUNITIES } from '../backends/lists.ts';
import { OPEN_STAGES, type Opportunity, opportunitySchema } from '../model.ts';
import {
  accountId,
  cursor,
  isoDate,
  limit,
  listText,
  money,
  pageOutput,
  pageResult,
  searchText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  owner: searchText("Part of the opportunity owner's name").optional(),
  stage: z.enum(OPEN_STAGES).optional().describe('Only opportunities in this open stage'),
  accountId: accountId.optional(),
  closeFrom: isoDate.optional().describe('Earliest close date (YYYY-MM-DD, inclusive)'),
  closeTo: isoDate.optional().describe('Latest close date (YYYY-MM-DD, inclusive)'),
  minAmount: z.number().min(0).max(1e12).optional().describe('Only opportunities worth at least this amount'),
  limit: limit(20, 50),
  cursor,
});
const output = pageOutput(opportunitySchema);

export function listOpenOpportunities({ crm }: ToolDeps) {
  return defineTool({
    name: 'list_open_opportunities',
    title: 'List open opportunities',
    description:
      'Lists open (not closed) opportunities, soonest close date first, filtered by owner, stage, account, ' +
      'close-date window and minimum amount. Use it for pipeline reviews ("what closes this quarter"). ' +
      'At most 50 per call; follow nextCursor for the rest.',
    input,
    output,
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(OPPORTUNITIES, args, item as Opportunity),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      if (args.closeFrom && args.closeTo && args.closeFrom > args.closeTo) {
        throw new ToolError('INVALID_ARGUMENTS', 'closeFrom is after closeTo', { hint: 'Swap the dates.' });
      }
      return pageResult(await crm.listOpenOpportunities(args, ctx));
    },
    render: (out) =>
      listText(
        out,
        'No open opportunities match.',
        (o) =>
          `${o.closeDate} ${o.name} (${o.id}) — ${o.stage}, ${money(o.amount)}, ${o.accountName ?? ''}, owner ${o.ownerName ?? '?'}`,
      ),
  });
}
