import { listen } from '@mcp-platform/test-support';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adaptV2 } from './adapters.ts';
import { exercise } from './exercise.ts';
import { buildInteropServer, type ObservedCall } from './interop-server.ts';

// The official SDK v2 client (@modelcontextprotocol/client) against a server built from the package.
describe('SDK v2 client (@modelcontextprotocol/client)', () => {
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

  it.each([
    { mode: { pin: '2026-07-28' }, label: 'pinned to 2026-07-28' },
    { mode: 'auto', label: 'auto negotiation' },
  ] as const)('speaks 2026-07-28 over Streamable HTTP ($label)', async ({ mode }) => {
    client = new Client({ name: 'sdk-v2-interop', version: '2.4.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect(client.getServerVersion()).toMatchObject({ name: 'interop', version: '1.2.3' });
    await exercise(adaptV2(client));
    expect(observed.length).toBeGreaterThan(0);
    for (const call of observed) {
      expect(call).toMatchObject({
        era: '2026',
        protocolVersion: '2026-07-28',
        clientName: 'sdk-v2-interop',
      });
    }
  });

  it('speaks 2025-11-25 over Streamable HTTP (legacy initialize handshake)', async () => {
    client = new Client(
      { name: 'sdk-v2-legacy', version: '2.4.0' },
      { versionNegotiation: { mode: 'legacy' } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
    await exercise(adaptV2(client));
    for (const call of observed) expect(call).toMatchObject({ era: '2025', protocolVersion: '2025-11-25' });
  });

  it('speaks 2024-11-05 over the legacy HTTP+SSE transport', async () => {
    client = new Client({ name: 'sdk-v2-sse', version: '2.4.0' });
    await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
    await exercise(adaptV2(client), { finalProgressMayBeDropped: true });
    // The SSE session negotiated 2025-11-25 in its initialize; the plugin reports the negotiated era.
    expect(observed.length).toBeGreaterThan(0);
    for (const call of observed) {
      expect(call).toMatchObject({ era: '2025', protocolVersion: '2025-11-25', clientName: 'sdk-v2-sse' });
    }
  });
});
