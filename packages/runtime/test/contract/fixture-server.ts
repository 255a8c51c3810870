import { defineTool, type ServerDefinition, type ToolDefinition } from '@mcp-platform/protocol';
import { z } from 'zod';

/** Knobs a test turns to make one deliberate change to the fixture server's catalog. */
export interface FixtureOptions {
  version?: string;
  /** search_orders gets a new required argument `region`. */
  requiredRegion?: boolean;
  /** Only the wording of search_orders' description changes. */
  rewordSearch?: boolean;
  /** cancel_order's approval policy. */
  approval?: 'none' | 'confirm' | 'approver';
  /** cancel_order lets the agent's re-call confirm. */
  agentMayConfirm?: boolean;
  /** cancel_order's scopes. */
  cancelScopes?: string[];
  /** cancel_order's annotations. */
  cancelReadOnly?: boolean;
  /** get_order is deprecated in favour of get_order_v2, removal in this version. */
  deprecateGetOrder?: string;
  /** Leave get_order out. */
  dropGetOrder?: boolean;
  /** search_orders' output loses the order total. */
  dropTotal?: boolean;
  /** Extra tool. */
  extra?: ToolDefinition;
}

/** The definitions of a small orders server whose catalog tests change one knob at a time. */
export function fixtureDefinition(options: FixtureOptions = {}): ServerDefinition {
  const search = defineTool({
    name: 'search_orders',
    title: 'Search orders',
    description: options.rewordSearch
      ? 'Finds orders whose customer name contains the text. Returns at most 20.'
      : 'Finds orders by customer name (at most 20).',
    input: z.object({
      customer: z.string().min(1).max(80).describe('Customer name or part of it'),
      status: z.enum(['open', 'shipped', 'cancelled']).optional(),
      ...(options.requiredRegion ? { region: z.enum(['emea', 'amer', 'apac']) } : {}),
    }),
    output: z.object({
      orders: z.array(z.object({ id: z.string(), ...(options.dropTotal ? {} : { total: z.number() }) })),
    }),
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: async ({ customer }) => ({ orders: [{ id: `o-${customer}`, total: 1 }] }) as never,
  });
  const getOrder = defineTool({
    name: 'get_order',
    description: 'One order by id.',
    input: z.object({ id: z.string() }),
    annotations: { readOnlyHint: true },
    ...(options.deprecateGetOrder === undefined
      ? {}
      : {
          deprecated: {
            replacement: 'get_order_v2',
            removeIn: options.deprecateGetOrder,
            reason: 'get_order_v2 also returns the order lines.',
          },
        }),
    handler: async ({ id }) => ({ content: [{ type: 'text', text: `order ${id}` }] }),
  });
  const getOrderV2 = defineTool({
    name: 'get_order_v2',
    description: 'One order by id, with its lines.',
    input: z.object({ id: z.string() }),
    annotations: { readOnlyHint: true },
    handler: async ({ id }) => ({ content: [{ type: 'text', text: `order ${id} with lines` }] }),
  });
  const cancel = defineTool({
    name: 'cancel_order',
    description: 'Cancels an open order.',
    input: z.object({ id: z.string(), reason: z.string().max(200) }),
    annotations: { readOnlyHint: options.cancelReadOnly ?? false, destructiveHint: true },
    policy: {
      approval: options.approval ?? 'confirm',
      ...(options.agentMayConfirm ? { agentMayConfirm: true } : {}),
      ...(options.cancelScopes === undefined ? {} : { scopes: options.cancelScopes }),
    },
    handler: async ({ id }) => ({ content: [{ type: 'text', text: `cancelled ${id}` }] }),
  });
  return {
    name: 'orders',
    version: options.version ?? '1.0.0',
    title: 'Orders',
    description: 'Orders of the fixture shop',
    instructions: 'Fixture server for the contract tests.',
    tools: [
      search,
      ...(options.dropGetOrder ? [] : [getOrder]),
      getOrderV2,
      cancel,
      ...(options.extra ? [options.extra] : []),
    ] as ToolDefinition[],
  };
}
