import { type ChangePreview, defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import {
  derivePriority,
  incidentDetailSchema,
  LEVEL_NAMES,
  LEVEL_VALUE,
  LEVELS,
  PRIORITIES,
} from '../model.ts';
import { incidentText } from './get-incident.ts';
import {
  attribution,
  ciReference,
  dataFlags,
  flagged,
  groupName,
  recordRef,
  recordText,
  resolveCi,
  resolveGroup,
  type ToolDeps,
} from './inputs.ts';

const CATEGORIES = ['inquiry', 'software', 'hardware', 'network', 'database'] as const;

const input = z.object({
  shortDescription: recordText(160, 'One-line summary, e.g. "payment-service p99 latency above 800 ms"'),
  description: recordText(4000, 'What is happening, since when, evidence and impact').optional(),
  impact: z
    .enum(LEVEL_NAMES)
    .describe('How much of the business is affected (high = many users or a critical service)'),
  urgency: z
    .enum(LEVEL_NAMES)
    .describe('How fast it must be fixed; ServiceNow derives the priority from impact and urgency'),
  category: z.enum(CATEGORIES).default('software'),
  configurationItem: ciReference('The affected configuration item (exact name or sys_id)').optional(),
  businessService: ciReference(
    'The affected business service (exact name, e.g. Payments, or sys_id)',
  ).optional(),
  assignmentGroup: groupName.optional(),
});

export function createIncident({ itsm }: ToolDeps) {
  return defineTool({
    name: 'create_incident',
    title: 'Create incident',
    description:
      'Opens a new incident (state New) with impact and urgency — ServiceNow derives the priority — and optionally ' +
      'the configuration item, business service and assignment group. A person confirms before it is written; the ' +
      'record’s work notes name that person. Check find_related_to_alert first: add to an existing incident rather ' +
      'than opening a duplicate. Returns the created incident with its number.',
    input,
    output: incidentDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 10 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const ci = args.configurationItem ? await resolveCi(itsm, args.configurationItem, ctx) : undefined;
      const service = args.businessService
        ? await resolveCi(itsm, args.businessService, ctx, 'business service')
        : undefined;
      const group = args.assignmentGroup ? await resolveGroup(itsm, args.assignmentGroup, ctx) : undefined;
      const impact = LEVEL_VALUE[args.impact];
      const urgency = LEVEL_VALUE[args.urgency];
      const priority = PRIORITIES[derivePriority(impact, urgency)];
      return {
        summary: `Open a ${priority} incident "${args.shortDescription}"${ci ? ` on ${ci.name}` : ''}${
          group ? ` for ${group.name}` : ''
        }, on behalf of ${ctx.caller.subject}.`,
        changes: {
          short_description: args.shortDescription,
          impact: LEVELS[impact],
          urgency: LEVELS[urgency],
          priority,
          category: args.category,
          ...(ci ? { cmdb_ci: ci.name } : {}),
          ...(service ? { business_service: service.name } : {}),
          ...(group ? { assignment_group: group.name } : {}),
          ...(args.description ? { description: args.description } : {}),
        },
      };
    },
    handler: async (args, ctx) => {
      const ci = args.configurationItem ? await resolveCi(itsm, args.configurationItem, ctx) : undefined;
      const service = args.businessService
        ? await resolveCi(itsm, args.businessService, ctx, 'business service')
        : undefined;
      const group = args.assignmentGroup ? await resolveGroup(itsm, args.assignmentGroup, ctx) : undefined;
      const incident = await itsm.createIncident(
        {
          shortDescription: args.shortDescription,
          description: args.description,
          impact: LEVEL_VALUE[args.impact],
          urgency: LEVEL_VALUE[args.urgency],
          category: args.category,
          ciSysId: ci?.sysId,
          serviceSysId: service?.sysId,
          groupSysId: group?.sysId,
          workNote: attribution(ctx, 'Incident opened'),
        },
        ctx,
      );
      ctx.touch(recordRef(itsm, 'incident', incident.sysId));
      ctx.log.info({ number: incident.number, sysId: incident.sysId }, 'incident created');
      return flagged(incident);
    },
    render: (i) => `Created ${i.number}.\n${incidentText(i)}`,
  });
}
