import type { Caller, CallKind, Interceptor, Policy, ToolAnnotations } from '@mcp-platform/protocol';
import { RpcCode, RpcError, ToolError } from '@mcp-platform/protocol';
import type { RuntimeFeature } from '../feature.ts';

/**
 * The scopes (any one of them) a caller needs for a definition: its own `policy.scopes`, else
 * `<prefix>:read` for read-only tools, resources and prompts and `<prefix>:write` for every other
 * tool. Read and write are separate: holding write does not grant read.
 */
export function requiredScopes(
  kind: CallKind,
  policy: Policy,
  annotations: ToolAnnotations | undefined,
  prefix: string,
): readonly string[] {
  if (policy.scopes !== undefined && policy.scopes.length > 0) return policy.scopes;
  if (kind !== 'tool' || annotations?.readOnlyHint === true) return [`${prefix}:read`];
  return [`${prefix}:write`];
}

export function hasAnyScope(caller: Caller, scopes: readonly string[]): boolean {
  for (const scope of scopes) if (caller.scopes.includes(scope)) return true;
  return false;
}

/**
 * Authorization per definition: `isVisible` hides what a caller may not call (tools/list shows only
 * callable tools; calling a hidden one answers "unknown tool"), and the interceptor re-checks every call
 * (defence in depth: the HTTP layer already answered 403 insufficient_scope before dispatch).
 */
export function authorizationFeature(prefix: string): RuntimeFeature {
  const allowed = (kind: CallKind, policy: Policy, caller: Caller, annotations?: ToolAnnotations) =>
    hasAnyScope(caller, requiredScopes(kind, policy, annotations, prefix));
  const interceptor: Interceptor = async (call, next) => {
    const scopes = requiredScopes(call.kind, call.policy, call.annotations, prefix);
    if (!hasAnyScope(call.ctx.caller, scopes)) {
      const message = `${call.kind} ${call.definitionName} needs one of the scopes: ${scopes.join(' ')}`;
      if (call.kind !== 'tool') throw new RpcError(RpcCode.InvalidParams, `Forbidden: ${message}`);
      throw new ToolError('FORBIDDEN', `Forbidden: ${message}`, {
        hint: 'Ask for an access token with the required scope.',
        details: { requiredScopes: scopes },
      });
    }
    return next();
  };
  return { name: 'authorization', stage: 'authorize', interceptors: [interceptor], isVisible: allowed };
}

/** Every scope the definitions of a server can require (for `scopes_supported` and AUTH_MODE=none). */
export function allScopes(
  definition: {
    tools?: readonly { policy?: Policy; annotations?: ToolAnnotations }[];
    resources?: readonly { policy?: Policy }[];
    resourceTemplates?: readonly { policy?: Policy }[];
    prompts?: readonly { policy?: Policy }[];
  },
  prefix: string,
): string[] {
  const scopes = new Set<string>([`${prefix}:read`, `${prefix}:write`]);
  for (const tool of definition.tools ?? []) {
    for (const s of requiredScopes('tool', tool.policy ?? {}, tool.annotations, prefix)) scopes.add(s);
  }
  for (const def of [
    ...(definition.resources ?? []),
    ...(definition.resourceTemplates ?? []),
    ...(definition.prompts ?? []),
  ]) {
    for (const s of requiredScopes('resource', def.policy ?? {}, undefined, prefix)) scopes.add(s);
  }
  return [...scopes].sort();
}

/**
 * The scopes the 401 challenge asks for: what the server's read-only tools, resources and prompts
 * need (the first requestable scope of each; `role:` values come from the IdP's groups, not from a
 * scope request). Write and approve scopes are asked for only when a call needs them (403 step-up).
 */
export function readScopes(
  definition: {
    tools?: readonly { policy?: Policy; annotations?: ToolAnnotations }[];
    resources?: readonly { policy?: Policy }[];
    resourceTemplates?: readonly { policy?: Policy }[];
    prompts?: readonly { policy?: Policy }[];
  },
  prefix: string,
): string[] {
  const scopes = new Set<string>([`${prefix}:read`]);
  const add = (required: readonly string[]) => {
    const requestable = required.find((scope) => !scope.startsWith('role:'));
    if (requestable !== undefined) scopes.add(requestable);
  };
  for (const tool of definition.tools ?? []) {
    if (tool.annotations?.readOnlyHint === true) {
      add(requiredScopes('tool', tool.policy ?? {}, tool.annotations, prefix));
    }
  }
  for (const def of [
    ...(definition.resources ?? []),
    ...(definition.resourceTemplates ?? []),
    ...(definition.prompts ?? []),
  ]) {
    add(requiredScopes('resource', def.policy ?? {}, undefined, prefix));
  }
  return [...scopes].sort();
}
