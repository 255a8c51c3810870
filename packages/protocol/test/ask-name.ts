import { z } from 'zod';
import { defineTool, type Interceptor } from '../src/index.ts';

/**
 * An interactive tool that asks the client for the user's name (elicitation) before it answers: the
 * protocol's stateless-session tests and the runtime's answer-binding tests serve it. The tool's own
 * handler never runs; `askForName` (an interceptor) asks, then greets with the accepted answer.
 */
export const askName = defineTool({
  name: 'ask_name',
  description: 'Asks the user for their name, then greets them.',
  input: z.object({}),
  annotations: { readOnlyHint: true },
  interactive: true,
  handler: async () => ({ content: [{ type: 'text', text: 'no input' }] }),
});

export const askForName: Interceptor = async (call, next) => {
  if (call.name !== 'ask_name') return next();
  const answer = call.inputResponses?.name as { action?: string; content?: { name?: string } } | undefined;
  if (answer?.action === 'accept')
    return { content: [{ type: 'text', text: `Hello ${answer.content?.name}` }] };
  return {
    resultType: 'input_required',
    inputRequests: {
      name: {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
    },
  };
};
