import type { ToolDefinition } from '@mcp-platform/protocol';
import { z } from 'zod';

export const APPROVAL_ARGUMENT = 'approvalId';

const approvalIdSchema = z
  .string()
  .max(64)
  .optional()
  .describe(
    'Leave empty on the first call: it returns a preview of the change and an approval id. Show the preview to ' +
      'the user; once the change is approved, call again with exactly the same arguments plus this approval id.',
  );

/** Whether a tool runs through the two-phase approval flow. */
export function needsApproval(def: Pick<ToolDefinition, 'policy'>): boolean {
  const approval = def.policy?.approval;
  return approval === 'confirm' || approval === 'approver';
}

function strip<T>(args: T): T {
  if (typeof args !== 'object' || args === null) return args;
  const { [APPROVAL_ARGUMENT]: _approvalId, ...rest } = args as Record<string, unknown>;
  return rest as T;
}

/**
 * For a tool with an approval policy: the same tool whose input also accepts an optional
 * `approvalId`, which is removed again before the tool's own preview and handler see the
 * arguments. Tools without an approval policy are returned unchanged. Apply it to every tool
 * before building the Dispatcher (the schema is built once, here).
 */
export function withApprovalArgument<T extends ToolDefinition>(def: T): T {
  if (!needsApproval(def)) return def;
  if (APPROVAL_ARGUMENT in def.input.shape) {
    throw new Error(
      `Tool "${def.name}" already has an "${APPROVAL_ARGUMENT}" argument; the approval flow adds it itself`,
    );
  }
  const input = def.input.extend({ [APPROVAL_ARGUMENT]: approvalIdSchema });
  const original = def as ToolDefinition;
  const wrapped = {
    ...original,
    input,
    handler: (args: unknown, ctx: Parameters<ToolDefinition['handler']>[1]) =>
      original.handler(strip(args) as never, ctx),
    ...(original.preview === undefined
      ? {}
      : {
          preview: (args: unknown, ctx: Parameters<ToolDefinition['handler']>[1]) =>
            original.preview!(strip(args) as never, ctx),
        }),
  };
  return wrapped as unknown as T;
}

/** Whether the composition applied {@link withApprovalArgument} to this tool. */
export function hasApprovalArgument(def: Pick<ToolDefinition, 'input'>): boolean {
  return APPROVAL_ARGUMENT in def.input.shape;
}
