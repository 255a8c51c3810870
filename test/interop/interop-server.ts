import {
  type ContentResult,
  Dispatcher,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  legacySsePlugin,
  mcpPlugin,
  type ServerDefinition,
  ToolError,
} from '@mcp-platform/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The server every interop client talks to, built only from `@mcp-platform/protocol`: a structured
 * tool, a tool that reports progress, a resource, a resource template and a prompt, served on
 * `POST /mcp` (2026-07-28 and 2025-era Streamable HTTP) and the legacy `GET /sse` + `POST /messages`.
 */

const ORDERS: Record<string, { status: string; total: number }> = {
  'A-1001': { status: 'shipped', total: 129.5 },
  'A-1002': { status: 'pending', total: 42 },
};

export const lookupOrder = defineTool({
  name: 'lookup_order',
  title: 'Look up an order',
  description: 'Returns the status and total of one order by its id (e.g. A-1001).',
  input: z.object({
    orderId: z
      .string()
      .regex(/^A-\d{4}$/, 'orderId looks like A-1001')
      .describe('Order id'),
  }),
  output: z.object({ orderId: z.string(), status: z.string(), total: z.number() }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ orderId }) => {
    const order = ORDERS[orderId];
    if (!order)
      throw new ToolError('NOT_FOUND', `No order ${orderId}`, {
        hint: 'Check the id; ids look like A-1001.',
      });
    return { orderId, ...order };
  },
  render: (out) => `Order ${out.orderId} is ${out.status} (total ${out.total})`,
});

export const exportReport = defineTool({
  name: 'export_report',
  title: 'Export a report',
  description: 'Builds a report in a number of steps, reporting progress after each.',
  input: z.object({ steps: z.number().int().min(1).max(10).default(3).describe('Number of steps') }),
  annotations: { readOnlyHint: true },
  handler: async ({ steps }, ctx): Promise<ContentResult> => {
    for (let step = 1; step <= steps; step++) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 20);
        ctx.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(ctx.signal.reason);
          },
          { once: true },
        );
      });
      ctx.progress(step, steps, `step ${step} of ${steps}`);
    }
    return { content: [{ type: 'text', text: `report ready after ${steps} steps` }] };
  },
});

export const RETURNS_POLICY = '# Returns\n\nItems can be returned within 30 days.';

export const returnsPolicy = defineResource({
  uri: 'interop://policies/returns',
  name: 'returns-policy',
  title: 'Returns policy',
  mimeType: 'text/markdown',
  read: async () => [{ uri: 'interop://policies/returns', mimeType: 'text/markdown', text: RETURNS_POLICY }],
});

export const orderResource = defineResourceTemplate({
  uriTemplate: 'interop://orders/{orderId}',
  name: 'order',
  mimeType: 'application/json',
  variables: z.object({ orderId: z.string().regex(/^A-\d{4}$/, 'orderId looks like A-1001') }),
  // `variables` are typed Record<string, string> whatever the schema says, hence the fallback.
  read: async (uri, { orderId = '' }) => {
    const order = ORDERS[orderId];
    if (!order) throw new ToolError('NOT_FOUND', `No order ${orderId}`);
    return [{ uri, mimeType: 'application/json', text: JSON.stringify({ orderId, ...order }) }];
  },
});

export const draftReply = definePrompt({
  name: 'draft_reply',
  title: 'Draft a reply',
  description: 'Drafts a reply to a customer.',
  args: z.object({
    customer: z.string().min(1).describe('Customer name'),
    tone: z.enum(['formal', 'friendly']).default('friendly').describe('formal or friendly'),
  }),
  get: async ({ customer, tone }) => ({
    description: `A ${tone} reply`,
    messages: [{ role: 'user', content: { type: 'text', text: `Draft a ${tone} reply to ${customer}.` } }],
  }),
});

export const interopDefinition: ServerDefinition = {
  name: 'interop',
  version: '1.2.3',
  instructions: 'Order lookups for interop tests.',
  tools: [lookupOrder, exportReport],
  resources: [returnsPolicy],
  resourceTemplates: [orderResource],
  prompts: [draftReply],
};

export const INTEROP_SECRET = 'interop-test-request-state-secret-0123456789';

/** What the server saw of one call: proves which era and client actually reached the handler. */
export interface ObservedCall {
  kind: string;
  name: string;
  era: string;
  protocolVersion: string;
  clientName: string | undefined;
}

export interface InteropServerOptions {
  /** Called for every tools/call, resources/read and prompts/get the dispatcher runs. */
  onCall?: (call: ObservedCall) => void;
  /** Share legacy SSE sessions through Redis (replicas); without it, single-process mode. */
  redis?: Redis;
  redisPrefix?: string;
}

export async function buildInteropServer(options: InteropServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const onCall = options.onCall;
  const dispatcher = new Dispatcher(interopDefinition, {
    interceptors: onCall
      ? [
          (call, next) => {
            const { era, protocolVersion, name: clientName } = call.ctx.client;
            onCall({ kind: call.kind, name: call.name, era, protocolVersion, clientName });
            return next();
          },
        ]
      : [],
  });
  await app.register(mcpPlugin, { dispatcher, requestStateSecret: INTEROP_SECRET });
  await app.register(legacySsePlugin, {
    dispatcher,
    requestStateSecret: INTEROP_SECRET,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
  });
  return app;
}
