import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { CrmBackend } from '../backends/crm-backend.ts';
import { OPPORTUNITY_STAGES, type OpportunityDetail, opportunityDetailSchema } from '../model.ts';
import { dataFlags, flagged, opportunityId, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({
  opportunityId,
  stage: z.enum(OPPORTUNITY_STAGES).describe('The new stage'),
  nextStep: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .describe('The new next step (leave out to keep the current one)'),
});
const output = z.object({ before: opportunityDetailSchema, after: opportunityDetailSchema, dataFlags });

async function current(crm: CrmBackend, id: string, call: UpstreamCall): Promise<OpportunityDetail> {
  const opportunity = await crm.getOpportunity(id, call);
  if (!opportunity) {
    throw new ToolError('NOT_FOUND', `No opportunity with id ${id}`, {
      hint: 'Use list_open_opportunities or get_account_overview to find opportunity ids.',
    });
  }
  return opportunity;
}

export function updateOpportunityStage({ crm }: ToolDeps) {
  return defineTool({
    name: 'update_opportunity_stage',
    title: 'Update opportunity stage',
    description:
      'Moves an opportunity to another stage and optionally sets its next step. A person confirms the change ' +
      'before it is written. Returns the opportunity before and after. Closing as Won or Lost is allowed.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 30 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const before = await current(crm, args.opportunityId, ctx);
      const changes: Record<string, unknown> = { StageName: { from: before.stage, to: args.stage } };
      if (args.nextStep !== undefined) changes.NextStep = { from: before.nextStep, to: args.nextStep };
      return {
        summary: `Move opportunity ${before.name} (${before.id}) from ${before.stage} to ${args.stage}${
          args.nextStep === undefined ? '' : `, next step "${args.nextStep}"`
        }.`,
        changes,
        records: [`${crm.kind}:Opportunity/${before.id}`],
      };
    },
    handler: async (args, ctx) => {
      const before = await current(crm, args.opportunityId, ctx);
      const after = await crm.updateOpportunityStage(
        {
          opportunityId: args.opportunityId,
          stage: args.stage,
          nextStep: args.nextStep,
        },
        ctx,
      );
      ctx.touch(`${crm.kind}:Opportunity/${before.id}`);
      ctx.log.info(
        { opportunityId: before.id, from: before.stage, to: after.stage },
        'opportunity stage updated',
      );
      return flagged({ before, after });
    },
    render: ({ before, after }) =>
      recordsText(
        `${after.name} (${after.id}): ${before.stage} → ${after.stage}. Next step: ${after.nextStep ?? 'none'}.`,
      ),
  });
}
