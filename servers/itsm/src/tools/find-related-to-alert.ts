import { defineTool, ToolError } from '@mcp-platform/protocol';
import { z } from 'zod';
import { type Ci, changeSchema, ciSchema, type IncidentDetail, incidentSchema } from '../model.ts';
import { anchorsFromText, findRelated } from '../related.ts';
import {
  ciReference,
  dataFlags,
  flagged,
  incidentNotFound,
  incidentNumber,
  limit,
  recordsText,
  resolveCi,
  type ToolDeps,
} from './inputs.ts';

const input = z
  .object({
    alertText: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .optional()
      .describe(
        'The alert as received (title and body). Configuration item names in it (e.g. payment-service) are ' +
          'matched against the CMDB; the text itself is never sent to ServiceNow as a query',
      ),
    incident: incidentNumber
      .optional()
      .describe('Start from this incident’s CI and business service instead'),
    configurationItem: ciReference('Start from this configuration item (exact name or sys_id)').optional(),
    hoursBack: z
      .number()
      .int()
      .min(1)
      .max(720)
      .default(72)
      .describe('Changes that ended up to this many hours ago (default 72)'),
    hoursAhead: z
      .number()
      .int()
      .min(0)
      .max(720)
      .default(24)
      .describe('Changes starting up to this many hours ahead (default 24)'),
    incidentDays: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(14)
      .describe('Closed incidents opened in the last N days also count (default 14)'),
    limit: limit(10, 25),
  })
  .refine((a) => a.alertText !== undefined || a.incident !== undefined || a.configurationItem !== undefined, {
    message: 'Give alertText, incident or configurationItem',
  });

const scored = <T extends z.ZodType>(record: T) =>
  z.object({
    score: z.number().describe('Higher is more related'),
    reasons: z.array(z.string()),
    record,
  });

const output = z.object({
  anchors: z.array(ciSchema).describe('The configuration items the search started from'),
  neighbours: z
    .array(
      z.object({
        sysId: z.string(),
        name: z.string(),
        class: z.string(),
        relation: z.string(),
        of: z.string(),
      }),
    )
    .describe('Direct CMDB neighbours of the anchors that were searched as well'),
  incidents: z.array(scored(incidentSchema)).describe('Open and recent incidents, most related first'),
  changes: z
    .array(scored(changeSchema))
    .describe('Changes implemented, in progress or scheduled in the window'),
  window: z.object({ changesFrom: z.string(), changesTo: z.string(), incidentsSince: z.string() }),
  dataFlags,
});

export function findRelatedToAlert({ itsm, now }: ToolDeps) {
  return defineTool({
    name: 'find_related_to_alert',
    title: 'Find incidents and changes related to an alert',
    description:
      'The first call when an alert fires or an incident arrives: finds the configuration items named in the alert ' +
      '(or the incident’s CI and service), their direct CMDB neighbours (dependencies, hosts, the business service), ' +
      'and returns in ONE call the open and recent incidents and the changes implemented, in progress or scheduled ' +
      'around now on any of them, ranked with the reasons (same CI, neighbour, still open, implemented hours ago). ' +
      'Then read the top incident with get_incident and add findings with add_incident_note.',
    input,
    output,
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const anchors: Ci[] = [];
      let incident: IncidentDetail | undefined;
      if (args.incident) {
        incident = await itsm.getIncident(args.incident, { journal: 0 }, ctx);
        if (!incident) throw incidentNotFound(args.incident);
        for (const ref of [incident.configurationItem, incident.businessService]) {
          if (ref && !anchors.some((a) => a.sysId === ref.sysId))
            anchors.push(await resolveCi(itsm, ref.sysId, ctx));
        }
      }
      if (args.configurationItem) anchors.push(await resolveCi(itsm, args.configurationItem, ctx));
      if (args.alertText) {
        for (const ci of await anchorsFromText(itsm, args.alertText, ctx)) {
          if (!anchors.some((a) => a.sysId === ci.sysId)) anchors.push(ci);
        }
      }
      if (anchors.length === 0) {
        throw new ToolError('NOT_FOUND', 'The alert names no configuration item known to the CMDB', {
          hint: 'Pass configurationItem with the exact CI name (e.g. payment-service), or an incident number.',
        });
      }
      const related = await findRelated(
        itsm,
        anchors.slice(0, 4),
        {
          now: now(),
          hoursBack: args.hoursBack,
          hoursAhead: args.hoursAhead,
          incidentDays: args.incidentDays,
          limit: args.limit,
        },
        ctx,
        incident,
      );
      return flagged(related);
    },
    render: (out) => {
      const lines = [
        `Anchors: ${out.anchors.map((a) => a.name).join(', ')} (+${out.neighbours.length} direct neighbours)`,
        'Incidents:',
        ...out.incidents.map(
          (s) =>
            `  ${s.record.number} [${s.record.priority}, ${s.record.state}] ${s.record.shortDescription} — score ${s.score}: ${s.reasons.join('; ')}`,
        ),
        'Changes:',
        ...out.changes.map(
          (s) =>
            `  ${s.record.number} [${s.record.state}] ${s.record.shortDescription} on ${s.record.configurationItem?.name ?? '?'} ` +
            `(${s.record.plannedStart} → ${s.record.plannedEnd}) — score ${s.score}: ${s.reasons.join('; ')}`,
        ),
      ];
      return recordsText(lines.join('\n'));
    },
  });
}
