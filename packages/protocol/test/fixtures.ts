import { z } from 'zod';
import {
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type ServerDefinition,
  ToolError,
} from '../src/index.ts';

export const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Echoes the text back.',
  input: z.object({ text: z.string().min(1).describe('Text to echo') }),
  output: z.object({ text: z.string(), length: z.number() }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ text }) => ({ text, length: text.length }),
  render: (out) => `${out.text} (${out.length})`,
});

export const fail = defineTool({
  name: 'fail',
  description: 'Always fails with an expected error.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  handler: async () => {
    throw new ToolError('NOT_FOUND', 'No such record', { hint: 'Search first.' });
  },
});

export const crash = defineTool({
  name: 'crash',
  description: 'Throws an unexpected error.',
  input: z.object({}),
  handler: async () => {
    throw new Error('secret internal detail at /srv/app.ts:12');
  },
});

export const slow = defineTool({
  name: 'slow',
  description: 'Reports progress and waits.',
  input: z.object({
    steps: z.number().int().min(1).max(20).default(3),
    delayMs: z.number().int().min(0).max(5000).default(20),
  }),
  handler: async ({ steps, delayMs }, ctx) => {
    for (let i = 1; i <= steps; i++) {
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, delayMs);
        ctx.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          },
          { once: true },
        );
      });
      ctx.progress(i, steps, `step ${i}`);
    }
    return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
  },
});

export const readme = defineResource({
  uri: 'docs://readme',
  name: 'readme',
  title: 'Read me',
  mimeType: 'text/markdown',
  read: async () => [{ uri: 'docs://readme', mimeType: 'text/markdown', text: '# Hello' }],
});

export const item = defineResourceTemplate({
  uriTemplate: 'items://{id}',
  name: 'item',
  mimeType: 'application/json',
  variables: z.object({ id: z.string().regex(/^[0-9]{1,6}$/, 'id must be 1-6 digits') }),
  read: async (uri, { id }) => [{ uri, mimeType: 'application/json', text: JSON.stringify({ id }) }],
  list: async () => [{ uri: 'items://1', name: 'item 1' }],
  complete: { id: async (v) => ['1', '12', '123'].filter((x) => x.startsWith(v)) },
});

export const greet = definePrompt({
  name: 'greet',
  title: 'Greeting',
  description: 'Greets someone.',
  args: z.object({ who: z.string().describe('Whom to greet') }),
  get: async ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${who}` } }],
  }),
});

export function exampleDefinition(extraTools = 0): ServerDefinition {
  const many = Array.from({ length: extraTools }, (_, i) =>
    defineTool({
      name: `extra_${i}`,
      description: `Extra tool ${i}`,
      input: z.object({}),
      handler: async () => ({ content: [{ type: 'text' as const, text: String(i) }] }),
    }),
  );
  return {
    name: 'example',
    version: '1.0.0',
    tools: [echo, fail, crash, slow, ...many],
    resources: [readme],
    resourceTemplates: [item],
    prompts: [greet],
  };
}
