import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { CrmBackend, RecordLabel } from '../backends/crm-backend.ts';
import { OPEN_STAGES, opportunityDetailSchema } from '../model.ts';
import { accountId, dataFlags, flagged, isoDate, money, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({
  accountId,
  name: z.string().trim().min(1).max(120).describe('Opportunity name, e.g. "Acme — 2027 renewal"'),
  stage: z.enum(OPEN_STAGES).default('Prospecting').describe('Starting stage (an open stage)'),
  closeDate: isoDate.describe('Expected close date (YYYY-MM-DD)'),
  amount: z.number().min(0).max(1e12).optional().describe('Expected amount in the org currency'),
  nextStep: z.string().trim().min(1).max(255).optional(),
  description: z.string().trim().max(4000).optional(),
});
const output = z.object({ opportunity: opportunityDetailSchema, dataFlags });

async function account(crm: CrmBackend, id: string, call: UpstreamCall): Promise<RecordLabel> {
  const label = await crm.describeRecord(id, call);
  if (label?.type !== 'Account') {
    throw new ToolError('NOT_FOUND', `No account with id ${id}`, {
      hint: 'Use search_accounts to find the account id.',
    });
  }
  return label;
}

export function createOpportunity({ crm }: ToolDeps) {
  return defineTool({
    name: 'create_opportunity',
    title: 'Create opportunity',
    description:
      'Creates a new open opportunity on an account with a stage, close date and optional amount and next step. ' +
      'A person confirms before it is written. Returns the created opportunity with its id.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 20 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const acct = await account(crm, args.accountId, ctx);
      return {
        summary: `Create opportunity "${args.name}" on ${acct.name} (${acct.id}): ${args.stage}, ${money(
          args.amount ?? null,
        )}, closing ${args.closeDate}.`,
        changes: {
          Name: args.name,
          AccountId: acct.id,
          StageName: args.stage,
          CloseDate: args.closeDate,
          ...(args.amount === undefined ? {} : { Amount: args.amount }),
          ...(args.nextStep === undefined ? {} : { NextStep: args.nextStep }),
          ...(args.description === undefined ? {} : { Description: args.description }),
        },
        records: [`${crm.kind}:Account/${acct.id}`],
      };
    },
    handler: async (args, ctx) => {
      await account(crm, args.accountId, ctx);
      const opportunity = await crm.createOpportunity(args, ctx);
      ctx.touch(`${crm.kind}:Opportunity/${opportunity.id}`);
      ctx.log.info({ opportunityId: opportunity.id, accountId: args.accountId }, 'opportunity created');
      return flagged({ opportunity });
    },
    render: ({ opportunity: o }) =>
      recordsText(
        `Created opportunity ${o.name} (${o.id}) on ${o.accountName ?? o.accountId}: ${o.stage}, ${money(o.amount)}, closes ${o.closeDate}.`,
      ),
  });
}
