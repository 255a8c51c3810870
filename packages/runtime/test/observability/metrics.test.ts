import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendMetrics, errorCodeOf } from '../../src/observability/backend-metrics.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { RuntimeServer } from '../../src/server.ts';
import { rpc, testServer } from '../helpers.ts';

function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const labelText = line.slice(metric.length + 1, line.indexOf('}'));
    if (wanted.every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  let server: RuntimeServer;
  beforeAll(async () => {
    server = await testServer({ RATE_LIMIT_OVERRIDES: 'limited=1' });
  });
  afterAll(async () => {
    await server?.app.close();
  });

  it('counts calls by outcome, times them and tracks in-flight calls', async () => {
    await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: { query: 'a' } });
    await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: { query: 'b' } });
    await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: {} });
    await rpc(server.app, 'tools/call', { name: 'failing', arguments: {} });
    await rpc(server.app, 'tools/call', { name: 'limited', arguments: {} });
    await rpc(server.app, 'tools/call', { name: 'limited', arguments: {} });
    await rpc(server.app, 'resources/read', { uri: 'acme://notes' });
    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    const calls = (tool: string, outcome: string) =>
      sample(text, 'mcp_tool_calls_total', { server: 'acme', tool, outcome });
    expect(calls('search_accounts', 'ok')).toBe(2);
    expect(calls('search_accounts', 'client_error')).toBe(1);
    // NOT_FOUND is the caller's mistake: a client error, never counted where the error alert looks.
    expect(calls('failing', 'client_error')).toBe(1);
    expect(calls('failing', 'error')).toBeUndefined();
    expect(calls('limited', 'ok')).toBe(1);
    expect(calls('limited', 'rate_limited')).toBe(1);
    expect(calls('resource:notes', 'ok')).toBe(1);
    expect(sample(text, 'mcp_rate_limited_total', { server: 'acme', tool: 'limited' })).toBe(1);
    expect(
      sample(text, 'mcp_tool_call_duration_seconds_count', { server: 'acme', tool: 'search_accounts' }),
    ).toBe(3);
    expect(sample(text, 'mcp_inflight_calls', { server: 'acme' })).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total{server="acme"}');
  });

  it('keeps a registry per server (nothing leaks between servers)', async () => {
    // Its own calls first, so this holds however the file is run (alone or after the others).
    await rpc(server.app, 'tools/call', { name: 'search_accounts', arguments: { query: 'mine' } });
    const mine = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(mine, 'mcp_tool_calls_total', { tool: 'search_accounts' })).toBeGreaterThan(0);
    const other = await testServer();
    try {
      const text = (await other.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).toContain('mcp_tool_calls_total');
      expect(sample(text, 'mcp_tool_calls_total', { tool: 'search_accounts' })).toBeUndefined();
    } finally {
      await other.app.close();
    }
  });

  it('is not served when METRICS_ENABLED=false', async () => {
    const quiet = await testServer({ METRICS_ENABLED: 'false' });
    try {
      expect((await quiet.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await quiet.app.close();
    }
  });
});

describe('backendMetrics', () => {
  it('times backend operations and counts failures by a bounded code', async () => {
    const metrics = createMetrics({ server: 'acme', processMetrics: false });
    const salesforce = backendMetrics(metrics, 'salesforce');
    expect(await salesforce.observe('query', async () => 42)).toBe(42);
    await expect(
      salesforce.observe('update', async () =>
        Promise.reject(Object.assign(new Error('x'), { status: 503 })),
      ),
    ).rejects.toThrow('x');
    await expect(
      salesforce.observe('update', async () =>
        Promise.reject(Object.assign(new Error('y'), { code: 'ECONNREFUSED' })),
      ),
    ).rejects.toThrow('y');
    salesforce.error('PARTIAL_FAILURE');
    const text = await metrics.registry.metrics();
    expect(
      sample(text, 'mcp_backend_call_duration_seconds_count', { backend: 'salesforce', operation: 'query' }),
    ).toBe(1);
    expect(
      sample(text, 'mcp_backend_call_duration_seconds_count', { backend: 'salesforce', operation: 'update' }),
    ).toBe(2);
    expect(sample(text, 'mcp_backend_errors_total', { backend: 'salesforce', code: 'http_503' })).toBe(1);
    expect(sample(text, 'mcp_backend_errors_total', { backend: 'salesforce', code: 'ECONNREFUSED' })).toBe(1);
    expect(sample(text, 'mcp_backend_errors_total', { backend: 'salesforce', code: 'PARTIAL_FAILURE' })).toBe(
      1,
    );
  });

  it('never turns a message into a label', () => {
    expect(errorCodeOf(new Error('customer 4711 not found'))).toBe('error');
    expect(errorCodeOf({ code: 'has spaces and is long enough to be a message, really' })).toBe('error');
    expect(errorCodeOf(new DOMException('t', 'TimeoutError'))).toBe('timeout');
  });

  it('is a no-op without metrics', async () => {
    expect(await backendMetrics(undefined, 'x').observe('op', async () => 'ok')).toBe('ok');
  });
});
