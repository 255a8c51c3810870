import {
  type CallInfo,
  classifyFailure,
  classifyResult,
  type Interceptor,
  type OutcomeClass,
} from '@mcp-platform/protocol';
import type { RuntimeFeature } from '../feature.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { redactPaths } from './redact.ts';

/**
 * The bounded `outcome` label of `mcp_tool_calls_total`: the registry's outcome class of the call's
 * code (`outcomeOf`), or `input_required` for a 2026-07-28 round trip that asks the client for input.
 */
export type CallOutcomeLabel = OutcomeClass | 'input_required';

/** The outcome label and code of a finished call (shared with tests: metrics and audit must agree). */
export function outcomeOfResult(result: Record<string, unknown>): {
  outcome: CallOutcomeLabel;
  code?: string;
} {
  if (result.resultType === 'input_required') return { outcome: 'input_required' };
  return classifyResult(result) ?? { outcome: 'ok' };
}

/** The metrics label of a call: the tool name, or `resource:<name>` / `prompt:<name>` (never a raw URI). */
export function callLabel(call: Pick<CallInfo, 'kind' | 'definitionName'>): string {
  return call.kind === 'tool' ? call.definitionName : `${call.kind}:${call.definitionName}`;
}

/**
 * Outermost interceptor: counts every call by outcome (refusals by inner stages included), times it,
 * tracks in-flight calls and writes one log line per call (arguments only at debug, with the fields
 * the definition marks sensitive redacted).
 */
export function observabilityFeature(metrics: RuntimeMetrics): RuntimeFeature {
  const { server } = metrics;
  // Label children resolved once per tool (and outcome): prom-client hashes a label object on every use.
  const inflight = metrics.inflightCalls.labels({ server });
  const perTool = new Map<
    string,
    {
      duration: ReturnType<RuntimeMetrics['toolCallDuration']['labels']>;
      calls: Map<string, { inc: () => void }>;
    }
  >();
  const childrenOf = (tool: string) => {
    let children = perTool.get(tool);
    if (!children) {
      children = { duration: metrics.toolCallDuration.labels({ server, tool }), calls: new Map() };
      perTool.set(tool, children);
    }
    return children;
  };
  const interceptor: Interceptor = async (call, next) => {
    const tool = callLabel(call);
    const started = performance.now();
    inflight.inc();
    let outcome: CallOutcomeLabel = 'error';
    let code: string | undefined;
    try {
      const result = await next();
      ({ outcome, code } = outcomeOfResult(result));
      return result;
    } catch (error) {
      ({ outcome, code } = classifyFailure(error, call.ctx.signal));
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      inflight.dec();
      const children = childrenOf(tool);
      let counter = children.calls.get(outcome);
      if (!counter) {
        counter = metrics.toolCalls.labels({ server, tool, outcome });
        children.calls.set(outcome, counter);
      }
      counter.inc();
      children.duration.observe(seconds);
      const log = call.ctx.log;
      const level = log.level;
      if (level === 'info' || level === 'debug' || level === 'trace') {
        const fields = {
          kind: call.kind,
          tool: call.definitionName,
          outcome,
          ...(code === undefined ? {} : { code }),
          durationMs: Math.round(seconds * 10_000) / 10,
          subject: call.ctx.caller.subject,
        };
        if (level === 'info') log.info(fields, 'call completed');
        else
          log.debug({ ...fields, args: redactPaths(call.rawArgs, call.policy.sensitive) }, 'call completed');
      }
    }
  };
  return { name: 'observability', stage: 'observe', interceptors: [interceptor] };
}
