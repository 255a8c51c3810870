import { defineResourceTemplate } from '@mcp-platform/protocol';
import { z } from 'zod';
import { RECORD_NUMBER } from '../backends/encoded-query.ts';
import { flagged, incidentNotFound, type ToolDeps } from '../tools/inputs.ts';

const variables = z.object({
  number: z.string().regex(RECORD_NUMBER.incident, 'must be an incident number like INC0010042'),
});

/** `itsm://incidents/{number}`: one incident with its latest journal and SLAs, as JSON. */
export function incidentResource({ itsm }: ToolDeps) {
  return defineResourceTemplate({
    uriTemplate: 'itsm://incidents/{number}',
    name: 'incident',
    title: 'Incident',
    description:
      'An incident with state, priority, CI and service, group and assignee, SLA status and its 10 latest work notes and comments (JSON).',
    mimeType: 'application/json',
    variables,
    read: async (uri, { number }, ctx) => {
      const incident = await itsm.getIncident(number!, { journal: 10 }, ctx);
      if (!incident) throw incidentNotFound(number!);
      return [{ uri, mimeType: 'application/json', text: JSON.stringify(flagged(incident), null, 2) }];
    },
    complete: {
      number: async (value, ctx) => {
        if (!/^(I(N(C\d{0,7})?)?)?$/i.test(value)) return [];
        const page = await itsm.searchIncidents({ limit: 25, states: ['1', '2', '3'] }, ctx);
        return page.items.map((i) => i.number).filter((n) => n.startsWith(value.toUpperCase()));
      },
    },
  });
}
