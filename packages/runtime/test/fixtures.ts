import {
  definePrompt,
  defineResource,
  defineTool,
  type ServerDefinition,
  ToolError,
} from '@mcp-platform/protocol';
import { z } from 'zod';

/** Calls that reached a handler, by tool name (proves refusals happen before the handler). */
export const handled: string[] = [];

export const searchAccounts = defineTool({
  name: 'search_accounts',
  description: 'Finds accounts by name.',
  input: z.object({ query: z.string().min(1) }),
  output: z.object({ ids: z.array(z.string()) }),
  annotations: { readOnlyHint: true },
  handler: async ({ query }) => {
    handled.push('search_accounts');
    return { ids: [`acc-${query}`] };
  },
});

export const updateAccount = defineTool({
  name: 'update_account',
  description: 'Renames an account.',
  input: z.object({ id: z.string(), name: z.string(), apiKey: z.string().optional() }),
  annotations: { readOnlyHint: false },
  policy: { sensitive: ['apiKey'] },
  handler: async ({ id }, ctx) => {
    handled.push('update_account');
    ctx.touch(`acme:Account/${id}`);
    return { content: [{ type: 'text', text: `renamed ${id}` }] };
  },
});

export const purgeAccount = defineTool({
  name: 'purge_account',
  description: 'Deletes an account for good (admins only).',
  input: z.object({ id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true },
  policy: { scopes: ['acme:admin', 'role:acme-admins'] },
  handler: async ({ id }) => {
    handled.push('purge_account');
    return { content: [{ type: 'text', text: `purged ${id}` }] };
  },
});

export const limited = defineTool({
  name: 'limited',
  description: 'A read tool allowed twice per minute.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  policy: { rateLimitPerMinute: 2 },
  handler: async () => {
    handled.push('limited');
    return { content: [{ type: 'text' as const, text: 'ok' }] };
  },
});

/** Waits `ms` (or until aborted); `release()` in tests can end it early. */
export const waitTool = defineTool({
  name: 'wait',
  description: 'Waits, honouring cancellation.',
  input: z.object({ ms: z.number().int().min(0).max(60_000) }),
  annotations: { readOnlyHint: true },
  policy: { rateLimitPerMinute: 0 },
  handler: async ({ ms }, ctx) => {
    handled.push('wait');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        },
        { once: true },
      );
    });
    return { content: [{ type: 'text', text: `waited ${ms}` }] };
  },
});

let gate = Promise.withResolvers<void>();

/** Releases every call waiting in the `gated` tool (and arms a new gate for the next ones). */
export function openGate(): void {
  gate.resolve();
  gate = Promise.withResolvers<void>();
}

/** Blocks until the test opens the gate (or the call is aborted): an in-flight call without timing. */
export const gated = defineTool({
  name: 'gated',
  description: 'Waits for the test to open the gate.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  handler: async (_args, ctx) => {
    handled.push('gated');
    const aborted = new Promise<never>((_resolve, reject) => {
      if (ctx.signal.aborted) reject(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
    await Promise.race([gate.promise, aborted]);
    return { content: [{ type: 'text', text: 'gate opened' }] };
  },
});

/** A write to a system of record that needs the caller's confirmation first. */
export const setStage = defineTool({
  name: 'set_stage',
  description: 'Moves an opportunity to another stage.',
  input: z.object({ id: z.string(), stage: z.string() }),
  annotations: { readOnlyHint: false },
  policy: { approval: 'confirm' },
  preview: async ({ id, stage }) => ({
    summary: `Move ${id} to ${stage}`,
    changes: { stage: { to: stage } },
    records: [`acme:Opportunity/${id}`],
  }),
  handler: async ({ id, stage }, ctx) => {
    handled.push('set_stage');
    ctx.touch(`acme:Opportunity/${id}`);
    return { content: [{ type: 'text', text: `${id} is now ${stage}` }] };
  },
});

export const failing = defineTool({
  name: 'failing',
  description: 'Fails with an expected error.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  handler: async () => {
    throw new ToolError('NOT_FOUND', 'No such account');
  },
});

export const notes = defineResource({
  uri: 'acme://notes',
  name: 'notes',
  read: async () => [{ uri: 'acme://notes', text: 'notes' }],
});

export const summary = definePrompt({
  name: 'summary',
  args: z.object({ topic: z.string() }),
  get: async ({ topic }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Summarise ${topic}` } }],
  }),
});

export function acmeDefinition(): ServerDefinition {
  return {
    name: 'acme',
    version: '1.0.0',
    tools: [searchAccounts, updateAccount, purgeAccount, limited, waitTool, gated, setStage, failing],
    resources: [notes],
    prompts: [summary],
  };
}
