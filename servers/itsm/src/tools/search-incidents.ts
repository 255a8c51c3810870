import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import {
  INCIDENT_STATE_NAMES,
  type IncidentStateValue,
  incidentSchema,
  OPEN_STATES,
  STATE_VALUE,
} from '../model.ts';
import {
  ciReference,
  cursor,
  groupName,
  isoDateTime,
  limit,
  listText,
  pageOutput,
  pageResult,
  queryText,
  resolveCi,
  resolveGroup,
  type ToolDeps,
} from './inputs.ts';

const PRIORITY_NAMES = ['critical', 'high', 'moderate', 'low', 'planning'] as const;

const input = z.object({
  text: queryText(
    100,
    'Words to find in the short description or description (literal, case-insensitive)',
  ).optional(),
  states: z
    .array(z.enum([...INCIDENT_STATE_NAMES, 'open']))
    .max(7)
    .optional()
    .describe('States to include; "open" means new, in_progress and on_hold. Default: any state'),
  priorities: z
    .array(z.enum(PRIORITY_NAMES))
    .max(5)
    .optional()
    .describe('Priorities to include (critical = P1 … planning = P5)'),
  assignmentGroup: groupName.optional(),
  configurationItem: ciReference(
    'A configuration item or business service (exact name such as payment-service or Payments, or sys_id)',
  ).optional(),
  openedFrom: isoDateTime.optional().describe('Only incidents opened at or after this time'),
  openedTo: isoDateTime.optional().describe('Only incidents opened before this time'),
  updatedSince: isoDateTime.optional().describe('Only incidents updated at or after this time'),
  limit: limit(20, 25),
  cursor,
});

export function searchIncidents({ itsm }: ToolDeps) {
  return defineTool({
    name: 'search_incidents',
    title: 'Search incidents',
    description:
      'Finds incidents by text, state, priority, assignment group, configuration item or business service, and ' +
      'opened/updated window; newest first, up to 25 per page with a cursor for more. Returns number, state, ' +
      'priority, group, assignee, CI and service. Use get_incident for one incident’s notes and SLAs, and ' +
      'find_related_to_alert when you start from an alert.',
    input,
    output: pageOutput(incidentSchema),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const states = args.states?.flatMap((s): IncidentStateValue[] =>
        s === 'open' ? [...OPEN_STATES] : [STATE_VALUE[s]],
      );
      const ci = args.configurationItem ? await resolveCi(itsm, args.configurationItem, ctx) : undefined;
      const group = args.assignmentGroup ? await resolveGroup(itsm, args.assignmentGroup, ctx) : undefined;
      const page = await itsm.searchIncidents(
        {
          limit: args.limit,
          cursor: args.cursor,
          text: args.text,
          states: states ? [...new Set(states)].sort() : undefined,
          priorities: args.priorities?.map((p) => String(PRIORITY_NAMES.indexOf(p) + 1) as '1').sort(),
          assignmentGroup: group?.sysId,
          ciSysIds: ci ? [ci.sysId] : undefined,
          openedFrom: args.openedFrom,
          openedTo: args.openedTo,
          updatedSince: args.updatedSince,
        },
        ctx,
      );
      return pageResult(page);
    },
    render: (out) =>
      listText(
        out,
        'No incidents match.',
        (i) =>
          `${i.number} [${i.priority}, ${i.state}] ${i.shortDescription} — CI ${i.configurationItem?.name ?? 'none'}, ` +
          `group ${i.assignmentGroup?.name ?? 'none'}, opened ${i.openedAt ?? '?'}`,
      ),
  });
}
