import { type Interceptor, ToolError } from '@mcp-platform/protocol';
import type { RuntimeFeature } from './feature.ts';

/**
 * Fails closed when a definition declares approvals but the server has no approvals store
 * (no DATABASE_URL): such a tool is refused rather than run without the human in the loop.
 */
export function approvalsUnavailableFeature(): RuntimeFeature {
  const interceptor: Interceptor = async (call, next) => {
    const approval = call.policy.approval;
    if (call.kind === 'tool' && (approval === 'confirm' || approval === 'approver')) {
      throw new ToolError(
        'APPROVAL_UNAVAILABLE',
        `${call.name} changes a system of record and needs an approval, but this server has no approvals store`,
        {
          hint: 'The platform team must configure DATABASE_URL for this server; retrying will not help until then.',
        },
      );
    }
    return next();
  };
  return { name: 'approvals-unavailable', stage: 'approve', interceptors: [interceptor] };
}
