import type { Interceptor } from '@mcp-platform/protocol';
import { Counter } from 'prom-client';
import type { RuntimeFeature } from '../feature.ts';
import type { RuntimeMetrics } from '../observability/metrics.ts';

/**
 * Calls of deprecated tools: counted in `mcp_deprecated_tool_calls_total{tool}` and logged with the
 * caller and client, so owners know who still has to move before the removal version. The call
 * itself runs exactly as before.
 */
export function deprecationFeature(metrics: RuntimeMetrics): RuntimeFeature {
  const calls = new Counter({
    name: 'mcp_deprecated_tool_calls_total',
    help: 'Calls of deprecated tools (see the tool description for its replacement and removal version)',
    labelNames: ['server', 'tool'] as const,
    registers: [metrics.registry],
  });
  const interceptor: Interceptor = async (call, next) => {
    const deprecated = call.kind === 'tool' ? call.tool?.deprecated : undefined;
    if (deprecated !== undefined) {
      calls.inc({ server: metrics.server, tool: call.definitionName });
      call.ctx.log.warn(
        {
          tool: call.definitionName,
          replacement: deprecated.replacement,
          removeIn: deprecated.removeIn,
          caller: call.ctx.caller.subject,
          callerKind: call.ctx.caller.kind,
          clientId: call.ctx.caller.clientId,
          client: call.ctx.client.name,
          clientVersion: call.ctx.client.version,
        },
        'deprecated tool called',
      );
    }
    return next();
  };
  return { name: 'deprecation', stage: 'observe', interceptors: [interceptor] };
}
