/**
 * A small example server built only from @mcp-platform/protocol: what `pnpm start` serves until
 * the domain servers exist, and a template for reading the definition API.
 */
import { Dispatcher, definePrompt, defineResource, defineTool, mcpPlugin } from '@mcp-platform/protocol';
import Fastify from 'fastify';
import { z } from 'zod';

const add = defineTool({
  name: 'add_numbers',
  title: 'Add numbers',
  description:
    'Adds two numbers and returns the sum. Use for arithmetic checks; both numbers must be finite.',
  input: z.object({ a: z.number().finite(), b: z.number().finite() }),
  output: z.object({ sum: z.number() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  handler: async ({ a, b }) => ({ sum: a + b }),
  render: ({ sum }) => `The sum is ${sum}.`,
});

const countdown = defineTool({
  name: 'countdown',
  title: 'Count down',
  description:
    'Counts down from n to zero, reporting progress each second-tenth. Demonstrates progress and cancellation.',
  input: z.object({ n: z.number().int().min(1).max(50) }),
  output: z.object({ counted: z.number() }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ n }, ctx) => {
    for (let i = 1; i <= n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ctx.signal.throwIfAborted();
      ctx.progress(i, n, `${n - i} to go`);
    }
    return { counted: n };
  },
});

const about = defineResource({
  uri: 'example://about',
  name: 'about',
  title: 'About this server',
  mimeType: 'text/plain',
  read: async () => [
    {
      uri: 'example://about',
      mimeType: 'text/plain',
      text: 'An example MCP server built from @mcp-platform/protocol.',
    },
  ],
});

const explain = definePrompt({
  name: 'explain_sum',
  description: 'Asks the model to add two numbers with the add_numbers tool and explain the result.',
  args: z.object({ a: z.string().describe('First number'), b: z.string().describe('Second number') }),
  get: async ({ a, b }) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'text',
          text: `Use add_numbers to add ${a} and ${b}, then explain the result in one sentence.`,
        },
      },
    ],
  }),
});

export async function startExampleServer(
  port = Number(process.env.PORT ?? 3001),
  host = process.env.HOST ?? '127.0.0.1',
) {
  const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  await app.register(mcpPlugin, {
    dispatcher: new Dispatcher({
      name: 'example',
      version: '0.1.0',
      tools: [add, countdown],
      resources: [about],
      prompts: [explain],
    }),
    requestStateSecret: process.env.REQUEST_STATE_SECRET ?? 'example-only-request-state-secret-32bytes',
    allowedOrigins: ['loopback'],
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready' }));
  await app.listen({ host, port });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await startExampleServer();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void app.close().then(() => process.exit(0)));
}
