import type { Client as ClientV2 } from '@modelcontextprotocol/client';
import type { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import type { ClientUnderTest } from './exercise.ts';

/** The SDK v2 client (@modelcontextprotocol/client) behind the exercise interface. */
export function adaptV2(client: ClientV2): ClientUnderTest {
  return {
    listTools: async () => (await client.listTools()).tools,
    callTool: (name, args, onProgress) =>
      client.callTool({ name, arguments: args }, onProgress ? { onprogress: onProgress } : undefined),
    readResource: (uri) => client.readResource({ uri }) as ReturnType<ClientUnderTest['readResource']>,
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
  };
}

/** The SDK v1 client (@modelcontextprotocol/sdk) behind the exercise interface. */
export function adaptV1(client: ClientV1): ClientUnderTest {
  return {
    listTools: async () => (await client.listTools()).tools,
    callTool: async (name, args, onProgress) =>
      (await client.callTool(
        { name, arguments: args },
        undefined,
        onProgress ? { onprogress: onProgress } : undefined,
      )) as Awaited<ReturnType<ClientUnderTest['callTool']>>,
    readResource: (uri) => client.readResource({ uri }) as ReturnType<ClientUnderTest['readResource']>,
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
  };
}
