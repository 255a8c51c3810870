import { defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';

/** The one tool every benchmark target serves, so the targets differ only in their machinery. */
export const ECHO_INPUT = z.object({ text: z.string().min(1).max(200) });
export const ECHO_OUTPUT = z.object({ text: z.string(), length: z.number() });

export const echoTool = defineTool({
  name: 'echo',
  description: 'Echoes text back with its length.',
  input: ECHO_INPUT,
  output: ECHO_OUTPUT,
  annotations: { readOnlyHint: true, openWorldHint: false },
  handler: async ({ text }) => ({ text, length: text.length }),
});

export const SERVER_INFO = { name: 'bench', version: '1.0.0' };

/** The exact JSON-RPC result a correct target returns for `echo("hello bench")`. */
export function expectedResult(text: string): Record<string, unknown> {
  const structured = { text, length: text.length };
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
    resultType: 'complete',
    _meta: { 'io.modelcontextprotocol/serverInfo': SERVER_INFO },
  };
}
