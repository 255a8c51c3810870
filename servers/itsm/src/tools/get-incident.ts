import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { type IncidentDetail, incidentDetailSchema } from '../model.ts';
import {
  dataFlags,
  flagged,
  incidentNotFound,
  incidentNumber,
  recordsText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  number: incidentNumber,
  journal: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(5)
    .describe('How many of the latest work notes and comments to include (0-20, default 5)'),
});

export function incidentText(i: IncidentDetail): string {
  const lines = [
    `${i.number} [${i.priority}, ${i.state}] ${i.shortDescription}`,
    `CI ${i.configurationItem?.name ?? 'none'}; service ${i.businessService?.name ?? 'none'}; group ${
      i.assignmentGroup?.name ?? 'none'
    }; assigned to ${i.assignedTo?.name ?? 'nobody'}; opened ${i.openedAt ?? '?'}`,
    ...(i.problem ? [`Problem ${i.problem.number}`] : []),
    ...(i.causedByChange ? [`Caused by change ${i.causedByChange.number}`] : []),
    ...i.slas.map(
      (s) => `SLA ${s.name}: ${s.stage}, ${s.breached ? 'BREACHED' : 'not breached'}, due ${s.dueAt ?? '?'}`,
    ),
    ...i.journal.map(
      (j) => `${j.createdAt} ${j.kind === 'comment' ? 'comment' : 'work note'} by ${j.createdBy}: ${j.text}`,
    ),
  ];
  return recordsText(lines.join('\n'));
}

export function getIncident({ itsm }: ToolDeps) {
  return defineTool({
    name: 'get_incident',
    title: 'Get incident',
    description:
      'Returns one incident by number (INC…): state, priority, impact and urgency, CI and business service, group and ' +
      'assignee, linked problem and causing change, SLA status (breached or not, due time), close code and notes, ' +
      'and the latest work notes (internal) and comments (visible to the caller). Text is capped at 600 characters.',
    input,
    output: incidentDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const incident = await itsm.getIncident(args.number, { journal: args.journal }, ctx);
      if (!incident) throw incidentNotFound(args.number);
      return flagged(incident);
    },
    render: (i) => incidentText(i),
  });
}
