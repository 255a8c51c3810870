import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { CASES, cursorAfter } from '../backends/lists.ts';
import { CASE_PRIORITIES, type Case, caseSchema } from '../model.ts';
import { accountId, cursor, limit, listText, pageOutput, pageResult, type ToolDeps } from './inputs.ts';

const input = z.object({
  accountId,
  priority: z.enum(CASE_PRIORITIES).optional().describe('Only cases of this priority'),
  limit: limit(10, 50),
  cursor,
});
const output = pageOutput(caseSchema);

export function listOpenCases({ crm }: ToolDeps) {
  return defineTool({
    name: 'list_open_cases',
    title: 'List open support cases',
    description:
      'Lists the open (not closed) support cases of one account, newest first, with subject, status, ' +
      'priority and contact. Use it to check for escalations before a customer call. At most 50 per call.',
    input,
    output,
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(CASES, args, item as Case),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => pageResult(await crm.listOpenCases(args, ctx)),
    render: (out) =>
      listText(
        out,
        'No open cases.',
        (c) => `#${c.caseNumber} (${c.id}) ${c.subject ?? ''} — ${c.priority ?? '-'} priority, ${c.status}`,
      ),
  });
}
