import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { ciDetailSchema } from '../model.ts';
import { ciReference, dataFlags, flagged, recordsText, resolveCi, type ToolDeps } from './inputs.ts';

const input = z.object({
  configurationItem: ciReference(
    'Configuration item or business service: exact name (e.g. payments-db) or sys_id',
  ),
});

export function getConfigurationItem({ itsm }: ToolDeps) {
  return defineTool({
    name: 'get_configuration_item',
    title: 'Get configuration item',
    description:
      'Returns one CMDB configuration item (application, database, host, load balancer or business service) with its ' +
      'class, environment, status, support and owning groups, its direct upstream (what depends on it) and downstream ' +
      '(what it depends on or runs on) relationships, and how many incidents are open on it.',
    input,
    output: ciDetailSchema.extend({ dataFlags }),
    annotations: { readOnlyHint: true, openWorldHint: true },
    handler: async (args, ctx) => {
      const ci = await resolveCi(itsm, args.configurationItem, ctx);
      const detail = await itsm.getCi(ci.sysId, ctx);
      return flagged(detail!);
    },
    render: (c) =>
      recordsText(
        [
          `${c.name} (${c.class}, ${c.sysId}) — ${c.operationalStatus ?? '?'}, ${c.environment ?? '?'}; support ${
            c.supportGroup?.name ?? 'none'
          }, owned by ${c.ownedByGroup?.name ?? 'none'}; ${c.openIncidentCount} open incidents`,
          `Upstream: ${c.upstream.map((r) => `${r.ci.name} (${r.type})`).join(', ') || 'none'}`,
          `Downstream: ${c.downstream.map((r) => `${r.ci.name} (${r.type})`).join(', ') || 'none'}`,
        ].join('\n'),
      ),
  });
}
