import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { CHANGE_STATE_NAMES, CHANGE_STATE_VALUE, changeSchema } from '../model.ts';
import {
  ciReference,
  cursor,
  isoDateTime,
  limit,
  listText,
  pageOutput,
  pageResult,
  resolveCi,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  from: isoDateTime.describe('Start of the window: changes whose planned window overlaps [from, to)'),
  to: isoDateTime.describe('End of the window (at most 92 days after from)'),
  configurationItem: ciReference(
    'Only changes on this configuration item or business service (exact name or sys_id)',
  ).optional(),
  states: z.array(z.enum(CHANGE_STATE_NAMES)).max(8).optional().describe('States to include (default: any)'),
  limit: limit(20, 25),
  cursor,
});

const DAY = 86_400_000;

export function listChanges({ itsm }: ToolDeps) {
  return defineTool({
    name: 'list_change_requests',
    title: 'List change requests in a window',
    description:
      'Lists change requests whose planned window overlaps a time window (up to 92 days), optionally on one ' +
      'configuration item or business service and in given states, ordered by planned start, up to 25 per page ' +
      'with a cursor. Use it for "what is scheduled on X this week" and "what changed before this incident".',
    input,
    output: pageOutput(changeSchema),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const from = Date.parse(args.from.length === 10 ? `${args.from}T00:00:00Z` : args.from);
      const to = Date.parse(args.to.length === 10 ? `${args.to}T00:00:00Z` : args.to);
      if (!(to > from) || to - from > 92 * DAY) {
        throw new ToolError(
          'INVALID_ARGUMENTS',
          'The window must end after it starts and span at most 92 days',
          {
            hint: 'Pick a shorter window, e.g. this week: from Monday to the next Monday.',
          },
        );
      }
      const ci = args.configurationItem ? await resolveCi(itsm, args.configurationItem, ctx) : undefined;
      const page = await itsm.listChanges(
        {
          limit: args.limit,
          cursor: args.cursor,
          from: args.from,
          to: args.to,
          states: args.states?.map((s) => CHANGE_STATE_VALUE[s]).sort(),
          ciSysIds: ci ? [ci.sysId] : undefined,
        },
        ctx,
      );
      return pageResult(page);
    },
    render: (out) =>
      listText(
        out,
        'No change requests in that window.',
        (c) =>
          `${c.number} [${c.state}, ${c.type}, risk ${c.risk ?? '?'}] ${c.shortDescription} — CI ${
            c.configurationItem?.name ?? 'none'
          }, ${c.plannedStart ?? '?'} → ${c.plannedEnd ?? '?'}`,
      ),
  });
}
