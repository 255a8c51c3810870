import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { ItsmBackend } from '../backends/itsm-backend.ts';
import { incidentDetailSchema } from '../model.ts';
import { incidentText } from './get-incident.ts';
import {
  attribution,
  dataFlags,
  flagged,
  incidentNotFound,
  incidentNumber,
  recordRef,
  recordText,
  type ToolDeps,
} from './inputs.ts';

const input = z.object({
  number: incidentNumber,
  closeCode: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .describe(
      'A close code from the instance’s list, e.g. "Solved (Permanently)"; an unknown code is refused with the list',
    ),
  closeNotes: recordText(
    4000,
    'Resolution notes (required by ServiceNow): what fixed it, root cause if known',
  ),
});

async function check(itsm: ItsmBackend, number: string, closeCode: string, call: UpstreamCall) {
  const incident = await itsm.getIncident(number, { journal: 0 }, call);
  if (!incident) throw incidentNotFound(number);
  if (['Resolved', 'Closed', 'Canceled'].includes(incident.state)) {
    throw new ToolError('INVALID_ARGUMENTS', `${number} is already ${incident.state}`, {
      hint: 'Only New, In Progress or On Hold incidents can be resolved.',
    });
  }
  const codes = await itsm.closeCodes(call);
  if (!codes.includes(closeCode)) {
    throw new ToolError('INVALID_ARGUMENTS', `"${closeCode}" is not a close code of this instance`, {
      hint: `Use one of: ${codes.join('; ')}`,
    });
  }
  return incident;
}

export function resolveIncident({ itsm }: ToolDeps) {
  return defineTool({
    name: 'resolve_incident',
    title: 'Resolve incident',
    description:
      'Resolves an open incident with a close code from the instance’s list and close notes (both required by ' +
      'ServiceNow). A person confirms first; the work notes record who resolved it and who confirmed. Returns the ' +
      'resolved incident.',
    input,
    output: incidentDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 10 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const incident = await check(itsm, args.number, args.closeCode, ctx);
      return {
        summary: `Resolve ${incident.number} "${incident.shortDescription}" as "${args.closeCode}", on behalf of ${ctx.caller.subject}.`,
        changes: {
          state: { from: incident.state, to: 'Resolved' },
          close_code: args.closeCode,
          close_notes: args.closeNotes,
        },
        records: [recordRef(itsm, 'incident', incident.sysId)],
      };
    },
    handler: async (args, ctx) => {
      const incident = await check(itsm, args.number, args.closeCode, ctx);
      const resolved = await itsm.resolveIncident(
        {
          sysId: incident.sysId,
          closeCode: args.closeCode,
          closeNotes: args.closeNotes,
          workNote: attribution(ctx, 'Incident resolved'),
        },
        ctx,
      );
      ctx.touch(recordRef(itsm, 'incident', incident.sysId));
      ctx.log.info({ number: incident.number }, 'incident resolved');
      return flagged(resolved);
    },
    render: (i) => `Resolved ${i.number}.\n${incidentText(i)}`,
  });
}
