import { defineResourceTemplate, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { SALESFORCE_ID } from '../backends/soql.ts';
import { flagged, type ToolDeps } from '../tools/inputs.ts';

const variables = z.object({
  id: z
    .string()
    .regex(SALESFORCE_ID, 'must be a Salesforce account id')
    .refine((v) => v.startsWith('001'), 'must be an account id (starts with 001)'),
});

/** `crm://accounts/{id}`: the account overview as JSON, for clients that attach resources to context. */
export function accountResource({ crm, today }: ToolDeps) {
  return defineResourceTemplate({
    uriTemplate: 'crm://accounts/{id}',
    name: 'account',
    title: 'Account',
    description:
      'An account with its open opportunities, open cases, key contacts, recent activities and contracts (JSON).',
    mimeType: 'application/json',
    variables,
    read: async (uri, { id }, ctx) => {
      const overview = await crm.getAccountOverview(id!, { activities: 5, perList: 10, today: today() }, ctx);
      if (!overview) {
        throw new ToolError('NOT_FOUND', `No account with id ${id}`, {
          hint: 'Use search_accounts to find account ids.',
        });
      }
      return [{ uri, mimeType: 'application/json', text: JSON.stringify(flagged(overview), null, 2) }];
    },
    complete: {
      id: async (value, ctx) => {
        if (!/^[A-Za-z0-9]{0,18}$/.test(value)) return [];
        const page = await crm.searchAccounts({ limit: 25 }, ctx);
        return page.items.map((a) => a.id).filter((id) => id.startsWith(value));
      },
    },
  });
}
