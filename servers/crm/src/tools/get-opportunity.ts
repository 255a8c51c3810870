import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { opportunityDetailSchema } from '../model.ts';
import { dataFlags, flagged, money, opportunityId, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({ opportunityId });

export function getOpportunity({ crm }: ToolDeps) {
  return defineTool({
    name: 'get_opportunity',
    title: 'Get opportunity',
    description:
      'Returns one opportunity in full: account, stage, amount, probability, close date, next step, owner, ' +
      'forecast category and description (truncated to 500 characters). Use it before changing an opportunity.',
    input,
    output: opportunityDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async ({ opportunityId }, ctx) => {
      const opportunity = await crm.getOpportunity(opportunityId, ctx);
      if (!opportunity) {
        throw new ToolError('NOT_FOUND', `No opportunity with id ${opportunityId}`, {
          hint: 'Use list_open_opportunities or get_account_overview to find opportunity ids.',
        });
      }
      return flagged(opportunity);
    },
    render: (o) =>
      recordsText(
        `${o.name} (${o.id}) — ${o.accountName ?? ''}: ${o.stage}, ${money(o.amount)}, closes ${o.closeDate}, ` +
          `owner ${o.ownerName ?? '?'}. Next step: ${o.nextStep ?? 'none'}`,
      ),
  });
}
