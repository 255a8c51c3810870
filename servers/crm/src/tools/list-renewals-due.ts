import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { cursorAfter, RENEWALS } from '../backends/lists.ts';
import { type Contract, contractSchema } from '../model.ts';
import {
  cursor,
  isoDate,
  limit,
  listText,
  pageOutput,
  pageResult,
  searchText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  from: isoDate.optional().describe('Window start (YYYY-MM-DD, inclusive; default today)'),
  to: isoDate.optional().describe('Window end (YYYY-MM-DD, inclusive; default 90 days after the start)'),
  owner: searchText("Part of the contract owner's name").optional(),
  limit: limit(20, 50),
  cursor,
});
const output = pageOutput(contractSchema).extend({ from: z.string(), to: z.string() });

const DAY = 86_400_000;

/** The window asked for: `from` defaults to today, `to` to 90 days after `from`. */
function windowOf(args: { from?: string | undefined; to?: string | undefined }, today: string) {
  const from = args.from ?? today;
  const to = args.to ?? new Date(Date.parse(from) + 90 * DAY).toISOString().slice(0, 10);
  return { from, to };
}

export function listRenewalsDue({ crm, today }: ToolDeps) {
  return defineTool({
    name: 'list_renewals_due',
    title: 'List renewals due',
    description:
      'Lists activated contracts whose end date (the renewal date) falls in a date window, soonest first, ' +
      'with account and owner. Defaults to the next 90 days. The window may span at most 366 days. ' +
      'At most 50 per call; follow nextCursor for more.',
    input,
    output,
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) =>
        cursorAfter(RENEWALS, { ...windowOf(args, today()), owner: args.owner }, item as Contract),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const { from, to } = windowOf(args, today());
      const span = (Date.parse(to) - Date.parse(from)) / DAY;
      if (span < 0)
        throw new ToolError('INVALID_ARGUMENTS', '`from` is after `to`', { hint: 'Swap the dates.' });
      if (span > 366) {
        throw new ToolError('INVALID_ARGUMENTS', 'The window is longer than 366 days', {
          hint: 'Ask for one year at a time.',
        });
      }
      const page = await crm.listRenewals(
        {
          from,
          to,
          owner: args.owner,
          limit: args.limit,
          cursor: args.cursor,
        },
        ctx,
      );
      return { ...pageResult(page), from, to };
    },
    render: (out) =>
      listText(
        out,
        `No renewals due between ${out.from} and ${out.to}.`,
        (c) =>
          `${c.endDate} ${c.accountName ?? ''} — contract ${c.contractNumber} (${c.id}), owner ${c.ownerName ?? '?'}`,
      ),
  });
}
