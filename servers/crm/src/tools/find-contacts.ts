import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { CONTACTS, cursorAfter } from '../backends/lists.ts';
import { type Contact, contactSchema } from '../model.ts';
import {
  accountId,
  cursor,
  limit,
  listText,
  pageOutput,
  pageResult,
  searchText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  name: searchText("Part of the contact's full name").optional(),
  email: searchText('Part of the email address').optional(),
  title: searchText('Part of the job title, e.g. "CFO"').optional(),
  accountId: accountId.optional().describe('Only contacts of this account (id starts with 001)'),
  limit: limit(10, 25),
  cursor,
});
const output = pageOutput(contactSchema);

export function findContacts({ crm }: ToolDeps) {
  return defineTool({
    name: 'find_contacts',
    title: 'Find contacts',
    description:
      'Finds people (contacts) by name, email, title and/or account and returns their title, email, phone and ' +
      'account. Use it to find who to talk to, or the contact id to log an activity with. Sorted by name; at ' +
      'most 25 per call with nextCursor. Give at least one filter.',
    input,
    output,
    paging: {
      items: 'items',
      hasMoreField: 'hasMore',
      cursorAfter: (item, args) => cursorAfter(CONTACTS, args, item as Contact),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      if (!args.name && !args.email && !args.title && !args.accountId) {
        throw new ToolError(
          'INVALID_ARGUMENTS',
          'Give at least one filter: name, email, title or accountId',
          {
            hint: "To list an account's people, pass its accountId.",
          },
        );
      }
      return pageResult(await crm.findContacts(args, ctx));
    },
    render: (out) =>
      listText(
        out,
        'No contacts match.',
        (c) =>
          `${c.name} (${c.id}) — ${c.title ?? 'no title'}, ${c.accountName ?? 'no account'}, ${c.email ?? 'no email'}`,
      ),
  });
}
