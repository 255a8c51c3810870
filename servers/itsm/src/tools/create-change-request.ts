import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { changeDetailSchema, RISK_NAMES, RISK_VALUE } from '../model.ts';
import {
  attribution,
  ciReference,
  dataFlags,
  flagged,
  groupName,
  isoDateTime,
  recordRef,
  recordsText,
  recordText,
  resolveCi,
  resolveGroup,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  shortDescription: recordText(160, 'One-line summary, e.g. "Raise payments-db max_connections back to 400"'),
  description: recordText(4000, 'What will change').optional(),
  justification: recordText(2000, 'Why the change is needed'),
  implementationPlan: recordText(4000, 'Steps to implement'),
  backoutPlan: recordText(4000, 'How to roll back'),
  testPlan: recordText(4000, 'How success is verified'),
  risk: z.enum(RISK_NAMES),
  plannedStart: isoDateTime.describe('Planned start (must be in the future)'),
  plannedEnd: isoDateTime.describe('Planned end (after the start, at most 7 days later)'),
  configurationItem: ciReference('The configuration item being changed (exact name or sys_id)'),
  assignmentGroup: groupName.optional(),
});

const toMs = (v: string) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);

export function createChangeRequest({ itsm, now }: ToolDeps) {
  const check = (args: z.output<typeof input>) => {
    const start = toMs(args.plannedStart);
    const end = toMs(args.plannedEnd);
    if (start <= now().getTime() || end <= start || end - start > 7 * 86_400_000) {
      throw new ToolError(
        'INVALID_ARGUMENTS',
        'The planned window must start in the future, end after it starts and last at most 7 days',
        {
          hint: 'Give plannedStart and plannedEnd as ISO datetimes, e.g. 2026-11-25T22:00:00Z and 2026-11-25T23:30:00Z.',
        },
      );
    }
  };
  return defineTool({
    name: 'create_change_request',
    title: 'Raise a normal change request',
    description:
      'Raises a normal change request with justification, implementation, backout and test plans, risk, planned window ' +
      'and the configuration item. It needs the approval of a change manager who is not the requester (the approvals ' +
      'console): the first call returns a preview and an approval id; call again with the id once approved. The ' +
      'change’s work notes name the requester and the approver. Returns the change with its number.',
    input,
    output: changeDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'approver', rateLimitPerMinute: 5 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      check(args);
      const ci = await resolveCi(itsm, args.configurationItem, ctx);
      const group = args.assignmentGroup ? await resolveGroup(itsm, args.assignmentGroup, ctx) : undefined;
      return {
        summary: `Raise a normal change "${args.shortDescription}" on ${ci.name}, ${args.plannedStart} → ${args.plannedEnd}, risk ${args.risk}, requested by ${ctx.caller.subject}.`,
        changes: {
          type: 'normal',
          short_description: args.shortDescription,
          cmdb_ci: ci.name,
          risk: args.risk,
          start_date: args.plannedStart,
          end_date: args.plannedEnd,
          justification: args.justification,
          implementation_plan: args.implementationPlan,
          backout_plan: args.backoutPlan,
          test_plan: args.testPlan,
          ...(group ? { assignment_group: group.name } : {}),
          ...(args.description ? { description: args.description } : {}),
        },
        records: [recordRef(itsm, 'cmdb_ci', ci.sysId)],
      };
    },
    handler: async (args, ctx) => {
      check(args);
      const ci = await resolveCi(itsm, args.configurationItem, ctx);
      const group = args.assignmentGroup
        ? await resolveGroup(itsm, args.assignmentGroup, ctx)
        : (ci.supportGroup ?? undefined);
      const service = (await itsm.getCi(ci.sysId, ctx))?.upstream.find(
        (r) => r.ci.class === 'cmdb_ci_service',
      );
      const change = await itsm.createChange(
        {
          shortDescription: args.shortDescription,
          description: args.description,
          justification: args.justification,
          implementationPlan: args.implementationPlan,
          backoutPlan: args.backoutPlan,
          testPlan: args.testPlan,
          risk: RISK_VALUE[args.risk],
          start: args.plannedStart,
          end: args.plannedEnd,
          ciSysId: ci.sysId,
          serviceSysId: service?.ci.sysId,
          groupSysId: group?.sysId,
          workNote: attribution(ctx, 'Change requested'),
        },
        ctx,
      );
      ctx.touch(recordRef(itsm, 'change_request', change.sysId));
      ctx.log.info({ number: change.number, sysId: change.sysId }, 'change request created');
      return flagged(change);
    },
    render: (c) =>
      recordsText(
        `Raised ${c.number} [${c.state}, ${c.type}, risk ${c.risk ?? '?'}] ${c.shortDescription} on ${
          c.configurationItem?.name ?? '?'
        }, ${c.plannedStart} → ${c.plannedEnd}.`,
      ),
  });
}
