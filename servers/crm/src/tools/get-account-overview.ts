import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { accountOverviewSchema } from '../model.ts';
import { accountId, dataFlags, flagged, money, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({
  accountId,
  activities: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(5)
    .describe('How many recent activities to include (1-20, default 5)'),
});

export function getAccountOverview({ crm, today }: ToolDeps) {
  return defineTool({
    name: 'get_account_overview',
    title: 'Account overview',
    description:
      'One call for a pre-meeting briefing on an account: account facts, open opportunities with stages and ' +
      'amounts, open support cases, key contacts, the most recent activities, and contracts with their end ' +
      '(renewal) dates. Each list shows up to 10 records and says when more exist; use the list tools for the rest.',
    input,
    output: accountOverviewSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const overview = await crm.getAccountOverview(
        args.accountId,
        {
          activities: args.activities,
          perList: 10,
          today: today(),
        },
        ctx,
      );
      if (!overview) {
        throw new ToolError('NOT_FOUND', `No account with id ${args.accountId}`, {
          hint: 'Use search_accounts to find the account id by name.',
        });
      }
      return flagged(overview);
    },
    render: (o) => {
      const more = (l: { more: boolean }) => (l.more ? ' (more exist)' : '');
      const lines = [
        `${o.account.name} (${o.account.id}) — ${o.account.industry ?? 'no industry'}, owner ${o.account.ownerName ?? 'unknown'}`,
        `Open opportunities: ${o.openOpportunities.items.length}${more(o.openOpportunities)}, pipeline ${money(o.openPipelineAmount)}`,
        ...o.openOpportunities.items.map(
          (x) => `  - ${x.name}: ${x.stage}, ${money(x.amount)}, closes ${x.closeDate}`,
        ),
        `Open cases: ${o.openCases.items.length}${more(o.openCases)}`,
        ...o.openCases.items.map(
          (c) => `  - #${c.caseNumber} ${c.subject ?? ''} [${c.priority ?? '-'}, ${c.status}]`,
        ),
        `Key contacts: ${o.keyContacts.items.map((c) => `${c.name}${c.title ? ` (${c.title})` : ''}`).join(', ') || 'none'}`,
        `Recent activities:`,
        ...o.recentActivities.items.map(
          (a) => `  - ${a.activityDate ?? '?'} ${a.type ?? 'Task'}: ${a.subject ?? ''}`,
        ),
        `Next renewal: ${o.nextRenewalDate ?? 'no active contract'}`,
      ];
      return recordsText(lines.join('\n'));
    },
  });
}
