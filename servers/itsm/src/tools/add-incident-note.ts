import { type ChangePreview, defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { journalEntrySchema } from '../model.ts';
import {
  attribution,
  dataFlags,
  flagged,
  incidentNotFound,
  incidentNumber,
  recordRef,
  recordsText,
  recordText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  number: incidentNumber,
  kind: z
    .enum(['work_note', 'comment'])
    .describe(
      'work_note: internal, seen by IT staff only; comment: visible to the caller who reported the incident',
    ),
  text: recordText(4000, 'The note: findings, evidence, links (e.g. the runbook URL), next steps'),
});

const output = z.object({
  incident: z.object({ number: z.string(), sysId: z.string() }),
  entry: journalEntrySchema,
  dataFlags,
});

const visibility = (kind: 'work_note' | 'comment') =>
  kind === 'comment' ? 'a comment VISIBLE TO THE CALLER' : 'an internal work note (IT staff only)';

export function addIncidentNote({ itsm }: ToolDeps) {
  return defineTool({
    name: 'add_incident_note',
    title: 'Add a work note or comment to an incident',
    description:
      'Adds a work note (internal, for IT staff) or a comment (visible to the person who reported the incident) to an ' +
      'existing incident. A person confirms first; the preview says which kind and who will see it. The entry is ' +
      'prefixed with who asked for it and who confirmed. Use it to record on-call findings and the runbook followed.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 30 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const incident = await itsm.getIncident(args.number, { journal: 0 }, ctx);
      if (!incident) throw incidentNotFound(args.number);
      return {
        summary: `Add ${visibility(args.kind)} to ${incident.number} "${incident.shortDescription}", on behalf of ${ctx.caller.subject}.`,
        changes: {
          [args.kind === 'comment' ? 'comments' : 'work_notes']: args.text,
          visibleToCaller: args.kind === 'comment',
        },
        records: [recordRef(itsm, 'incident', incident.sysId)],
      };
    },
    handler: async (args, ctx) => {
      const incident = await itsm.getIncident(args.number, { journal: 0 }, ctx);
      if (!incident) throw incidentNotFound(args.number);
      const entry = await itsm.addJournal(
        incident,
        args.kind,
        `${attribution(ctx, args.kind === 'comment' ? 'Comment added' : 'Work note added')}\n${args.text}`,
        ctx,
      );
      ctx.touch(recordRef(itsm, 'incident', incident.sysId));
      ctx.log.info({ number: incident.number, kind: args.kind }, 'incident journal entry added');
      return flagged({ incident: { number: incident.number, sysId: incident.sysId }, entry });
    },
    render: (out) =>
      `Added ${visibility(out.entry.kind)} to ${out.incident.number}.\n${recordsText(out.entry.text)}`,
  });
}
