import { type OtlpReceiver, startOtlpReceiver } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../../src/server.ts';
import { rpc, testServer } from '../helpers.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

describe('OpenTelemetry export', () => {
  let receiver: OtlpReceiver;
  const servers: RuntimeServer[] = [];
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    for (const server of servers) await server.app.close();
    await receiver?.close();
  });

  it('is off by default: no tracing stage, no span hook on backends', async () => {
    const server = await testServer();
    servers.push(server);
    expect(server.features.map((f) => f.name)).not.toContain('tracing');
    expect(server.metrics.tracing).toBeUndefined();
  });

  it('exports a SERVER span per call, a child of the incoming traceparent, with the error type of a failure', async () => {
    const server = await testServer({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'acme-mcp',
    });
    servers.push(server);
    expect(server.features[0]?.name).toBe('tracing');
    const traceparent = `00-${TRACE}-${PARENT}-01`;
    await rpc(
      server.app,
      'tools/call',
      { name: 'search_accounts', arguments: { query: 'a' } },
      { traceparent },
    );
    await rpc(server.app, 'tools/call', { name: 'failing', arguments: {} }, { traceparent });
    await server.metrics.tracing?.flush();
    const spans = receiver.spans.filter((s) => s.traceId === TRACE);
    expect(spans.map((s) => s.name).sort()).toEqual(['tools/call failing', 'tools/call search_accounts']);
    for (const span of spans) {
      expect(span).toMatchObject({ service: 'acme-mcp', kind: 2, parentSpanId: PARENT });
      expect(span.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'mcp.server': 'acme' });
    }
    expect(spans.find((s) => s.name === 'tools/call failing')?.attributes['error.type']).toBeDefined();
    expect(receiver.rejected).toEqual([]);
  });

  it('honours the sampler: parent-based keeps an unsampled caller unsampled, always_off exports nothing', async () => {
    const parentBased = await testServer({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint });
    const off = await testServer({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: 'always_off',
    });
    servers.push(parentBased, off);
    const unsampled = '1'.repeat(32);
    const dropped = '2'.repeat(32);
    await rpc(
      parentBased.app,
      'tools/call',
      { name: 'search_accounts', arguments: { query: 'a' } },
      { traceparent: `00-${unsampled}-${PARENT}-00` },
    );
    await rpc(
      off.app,
      'tools/call',
      { name: 'search_accounts', arguments: { query: 'a' } },
      { traceparent: `00-${dropped}-${PARENT}-01` },
    );
    // A sampled control call through the same parent-based server, so the flush demonstrably ran.
    const control = '3'.repeat(32);
    await rpc(
      parentBased.app,
      'tools/call',
      { name: 'search_accounts', arguments: { query: 'a' } },
      { traceparent: `00-${control}-${PARENT}-01` },
    );
    await parentBased.metrics.tracing?.flush();
    await off.metrics.tracing?.flush();
    const traces = new Set(receiver.spans.map((s) => s.traceId));
    expect(traces.has(control)).toBe(true);
    expect(traces.has(unsampled)).toBe(false);
    expect(traces.has(dropped)).toBe(false);
  });
});
