import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { ACCOUNTS, cursorAfter } from '../backends/lists.ts';
import { type Account, accountSchema, INDUSTRIES } from '../model.ts';
import { cursor, limit, listText, pageOutput, pageResult, searchText, type ToolDeps } from './inputs.ts';

const input = z.object({
  name: searchText('Part of the account name (case-insensitive substring)').optional(),
  industry: z.enum(INDUSTRIES).optional().describe('Salesforce industry picklist value'),
  owner: searchText("Part of the account owner's name").optional(),
  limit: limit(10, 25),
  cursor,
});
const output = pageOutput(accountSchema);

export function searchAccounts({ crm }: ToolDeps) {
  return defineTool({
    name: 'search_accounts',
    title: 'Search accounts',
    description:
      'Finds customer accounts by name, industry and/or owner and returns their ids with headline facts ' +
      '(industry, owner, city, annual revenue). Use it first to turn a company name into an account id. ' +
      'Sorted by name; at most 25 per call, with nextCursor for more. Without filters it pages through all accounts.',
    input,
    output,
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(ACCOUNTS, args, item as Account),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      return pageResult(await crm.searchAccounts(args, ctx));
    },
    render: (out) =>
      listText(
        out,
        'No accounts match.',
        (a) => `${a.name} (${a.id}) — ${a.industry ?? 'no industry'}, owner ${a.ownerName ?? 'unknown'}`,
      ),
  });
}
