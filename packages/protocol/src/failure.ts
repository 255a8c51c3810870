import { abortError } from './deadline.ts';
import { type OutcomeClass, outcomeOf, outcomeOfRpc } from './error-codes.ts';
import { RpcError, ToolError } from './errors.ts';
import { isUnavailability, UPSTREAM_UNAVAILABLE } from './unavailable.ts';

/** How a call that threw is classified: the code it is answered with and that code's outcome. */
export interface FailureClass {
  /** A registered code, or `RPC_<n>` for a JSON-RPC error without one. */
  code: string;
  outcome: Exclude<OutcomeClass, 'ok'>;
}

/**
 * The code and outcome a thrown failure ends with, decided as the dispatcher answers it: a
 * `ToolError` keeps its code, a fired call signal becomes TIMEOUT/CANCELLED/UNAVAILABLE, an
 * unreachable backend UPSTREAM_UNAVAILABLE, anything else INTERNAL_ERROR. Metrics and audit both
 * use it, so they cannot disagree about a call.
 */
export function classifyFailure(error: unknown, signal?: AbortSignal): FailureClass {
  if (error instanceof ToolError) return { code: error.code, outcome: outcomeOf(error.code) };
  if (error instanceof RpcError) {
    const data = error.data as { code?: unknown } | undefined;
    if (typeof data?.code === 'string') return { code: data.code, outcome: outcomeOf(data.code) };
    return { code: `RPC_${error.code}`, outcome: outcomeOfRpc(error.code) };
  }
  const code = signal?.aborted
    ? abortError(signal.reason).code
    : isUnavailability(error)
      ? UPSTREAM_UNAVAILABLE
      : 'INTERNAL_ERROR';
  return { code, outcome: outcomeOf(code) };
}

/** The code and outcome of a finished call's result (`isError` results carry their code). */
export function classifyResult(result: Record<string, unknown>): FailureClass | undefined {
  if (result.isError !== true) return undefined;
  const code = (result.structuredContent as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' ? code : 'TOOL_ERROR';
  return { code: known, outcome: outcomeOf(known) };
}
