import { listen } from '@mcp-platform/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptV1 } from './adapters.ts';
import { exercise } from './exercise.ts';
import { buildInteropServer, type ObservedCall } from './interop-server.ts';

// The official SDK v1 client (@modelcontextprotocol/sdk), the one most deployed hosts still embed.
describe('SDK v1 client (@modelcontextprotocol/sdk)', () => {
  let app: FastifyInstance;
  let base: string;
  const observed: ObservedCall[] = [];
  let client: Client | undefined;

  beforeAll(async () => {
    app = await buildInteropServer({ onCall: (call) => observed.push(call) });
    base = await listen(app);
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    observed.length = 0;
  });
  afterAll(async () => {
    await app.close();
  });

  it('speaks 2025-11-25 over Streamable HTTP', async () => {
    client = new Client({ name: 'sdk-v1-interop', version: '1.32.2' });
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
    await client.connect(transport);
    expect(transport.protocolVersion).toBe('2025-11-25');
    // Stateless serving: the session id is a signed record of the handshake, so any replica can answer.
    expect(transport.sessionId).toMatch(/^v1\./);
    await exercise(adaptV1(client));
    expect(observed.length).toBeGreaterThan(0);
    // Stateless 2025 serving learns the client's name only on initialize, not on later requests.
    for (const call of observed) expect(call).toMatchObject({ era: '2025', protocolVersion: '2025-11-25' });
  });

  it('speaks 2024-11-05 over the legacy HTTP+SSE transport (SSEClientTransport)', async () => {
    client = new Client({ name: 'sdk-v1-sse', version: '1.32.2' });
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
    await exercise(adaptV1(client), { finalProgressMayBeDropped: true });
    // The SSE session negotiated 2025-11-25 in its initialize; the plugin reports the negotiated era.
    expect(observed.length).toBeGreaterThan(0);
    for (const call of observed) {
      expect(call).toMatchObject({ era: '2025', protocolVersion: '2025-11-25', clientName: 'sdk-v1-sse' });
    }
  });
});
