import { type CallInfo, type Interceptor, RpcError, ToolError } from '@mcp-platform/protocol';
import type { RuntimeFeature } from '../feature.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { redactPaths } from './redact.ts';

/** The bounded `outcome` label of `mcp_tool_calls_total`. */
export type CallOutcomeLabel =
  | 'ok'
  | 'error'
  | 'invalid_arguments'
  | 'forbidden'
  | 'rate_limited'
  | 'timeout'
  | 'internal_error'
  | 'input_required'
  | 'approval_required'
  | 'approval_refused'
  | 'unavailable'
  | 'rpc_error';

const CODE_OUTCOMES: Record<string, CallOutcomeLabel> = {
  INVALID_ARGUMENTS: 'invalid_arguments',
  FORBIDDEN: 'forbidden',
  RATE_LIMITED: 'rate_limited',
  TIMEOUT: 'timeout',
  INTERNAL_ERROR: 'internal_error',
};

function outcomeOfCode(code: unknown): CallOutcomeLabel {
  if (typeof code !== 'string') return 'error';
  const known = CODE_OUTCOMES[code];
  if (known) return known;
  if (code === 'APPROVAL_REQUIRED' || code === 'APPROVAL_PENDING') return 'approval_required';
  if (code === 'APPROVAL_UNAVAILABLE' || code.endsWith('_UNAVAILABLE') || code === 'UNAVAILABLE')
    return 'unavailable';
  if (code.startsWith('APPROVAL_')) return 'approval_refused';
  return 'error';
}

function outcomeOfResult(result: Record<string, unknown>): { outcome: CallOutcomeLabel; code?: string } {
  if (result.resultType === 'input_required') return { outcome: 'input_required' };
  if (result.isError === true) {
    const code = (result.structuredContent as { code?: unknown } | undefined)?.code;
    return { outcome: outcomeOfCode(code), ...(typeof code === 'string' ? { code } : {}) };
  }
  return { outcome: 'ok' };
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
    let outcome: CallOutcomeLabel = 'internal_error';
    let code: string | undefined;
    try {
      const result = await next();
      ({ outcome, code } = outcomeOfResult(result));
      return result;
    } catch (error) {
      if (error instanceof ToolError) {
        outcome = outcomeOfCode(error.code);
        code = error.code;
      } else if (error instanceof RpcError) {
        outcome = 'rpc_error';
      } else if (call.ctx.signal.aborted) {
        outcome = 'timeout';
      }
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
