import { type ChangePreview, defineTool, ToolError } from '@mcp-platform/protocol';
import type { UpstreamCall } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { CrmBackend, RecordLabel } from '../backends/crm-backend.ts';
import { activitySchema, TASK_TYPES } from '../model.ts';
import { dataFlags, flagged, isoDate, recordId, recordsText, type ToolDeps } from './inputs.ts';

const input = z.object({
  relatedTo: recordId(
    ['001', '003', '006'],
    'The account (001…), contact (003…) or opportunity (006…) the activity was about or with',
  ),
  type: z.enum(TASK_TYPES).describe('Kind of activity'),
  subject: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .describe('Short subject line, e.g. "Call with CFO about renewal"'),
  description: z
    .string()
    .trim()
    .max(4000)
    .optional()
    .describe('Notes: what was discussed, agreed next steps'),
  date: isoDate.optional().describe('When it happened (YYYY-MM-DD; default today)'),
});
const output = z.object({
  activity: activitySchema,
  relatedTo: z.object({ id: z.string(), type: z.string(), name: z.string() }),
  dataFlags,
});

async function resolve(crm: CrmBackend, id: string, call: UpstreamCall): Promise<RecordLabel> {
  const label = await crm.describeRecord(id, call);
  if (!label) {
    throw new ToolError('NOT_FOUND', `No account, contact or opportunity with id ${id}`, {
      hint: 'Find the record with search_accounts, find_contacts or list_open_opportunities first.',
    });
  }
  return label;
}

export function logActivity({ crm, today }: ToolDeps) {
  return defineTool({
    name: 'log_activity',
    title: 'Log an activity',
    description:
      'Records a completed call, email, meeting or other activity (a Salesforce Task) against an account, ' +
      'contact or opportunity. A person confirms the change before it is written. Returns the new activity.',
    input,
    output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    policy: { approval: 'confirm', rateLimitPerMinute: 30 },
    preview: async (args, ctx): Promise<ChangePreview> => {
      const related = await resolve(crm, args.relatedTo, ctx);
      const date = args.date ?? today();
      return {
        summary: `Log a completed ${args.type} "${args.subject}" on ${date} against ${related.type.toLowerCase()} ${related.name} (${related.id}).`,
        changes: {
          Subject: args.subject,
          Type: args.type,
          Status: 'Completed',
          ActivityDate: date,
          [related.type === 'Contact' ? 'WhoId' : 'WhatId']: related.id,
          ...(args.description === undefined ? {} : { Description: args.description }),
        },
        records: [`${crm.kind}:${related.type}/${related.id}`],
      };
    },
    handler: async (args, ctx) => {
      const related = await resolve(crm, args.relatedTo, ctx);
      const { id, activity } = await crm.logActivity(
        {
          relatedTo: related,
          type: args.type,
          subject: args.subject,
          description: args.description,
          date: args.date ?? today(),
        },
        ctx,
      );
      ctx.touch(`${crm.kind}:Task/${id}`);
      ctx.log.info({ taskId: id, relatedTo: related.id }, 'activity logged');
      return flagged({ activity, relatedTo: { id: related.id, type: related.type, name: related.name } });
    },
    render: (out) =>
      recordsText(
        `Logged ${out.activity.type ?? 'activity'} "${out.activity.subject ?? ''}" (${out.activity.id}) on ` +
          `${out.activity.activityDate} against ${out.relatedTo.type.toLowerCase()} ${out.relatedTo.name}.`,
      ),
  });
}
