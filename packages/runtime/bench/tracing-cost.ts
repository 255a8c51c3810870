/**
 * `node --conditions=@mcp-platform/source packages/runtime/bench/tracing-cost.ts [calls]` — CPU time per
 * tools/call through the dispatcher with OpenTelemetry export off (what every server runs by default:
 * no tracing interceptor) and on (the span interceptor, always sampled, batched over OTLP/HTTP to a
 * local sink in this process), alternating rounds so load on the machine hits both alike. Measures
 * process CPU (user + system), not wall time. A measurement, not a test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANONYMOUS, type CallContext, Dispatcher, defineTool } from '@mcp-platform/protocol';
import { z } from 'zod';
import { createTracing } from '../src/observability/tracing.ts';

const calls = Number(process.argv[2] ?? 20_000);
const rounds = 6;
const out = (line: string) => process.stdout.write(`${line}\n`);

const echo = defineTool({
  name: 'echo',
  description: 'Echoes text.',
  input: z.object({ text: z.string() }),
  annotations: { readOnlyHint: true },
  handler: async ({ text }) => ({ content: [{ type: 'text', text }] }),
});
const definition = { name: 'bench', version: '1.0.0', tools: [echo] };

const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const tracing = createTracing({
  endpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`,
  serviceName: 'bench',
  server: 'bench',
  sampler: 'always_on',
});
const off = new Dispatcher(definition);
const on = new Dispatcher(definition, { interceptors: [...(tracing.feature.interceptors ?? [])] });

const log = { level: 'silent', info() {}, debug() {}, warn() {}, error() {}, child: () => log } as never;
const ctx = (): CallContext => ({
  log,
  signal: new AbortController().signal,
  progress: () => {},
  caller: ANONYMOUS,
  client: { era: '2026', protocolVersion: '2026-07-28' },
  correlationId: 'bench',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  touch: () => {},
  clientLog: () => {},
});

async function cpuPerCall(dispatcher: Dispatcher): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    await dispatcher.callTool({ name: 'echo', arguments: { text: `hello ${i}` } }, ctx());
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

await cpuPerCall(off);
await cpuPerCall(on);
const results = { off: [] as number[], on: [] as number[] };
for (let r = 0; r < rounds; r++) {
  results.off.push(await cpuPerCall(off));
  results.on.push(await cpuPerCall(on));
  await tracing.flush();
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
out(
  `tools/call through the dispatcher, ${calls} calls x ${rounds} alternating rounds, CPU µs per call (median):`,
);
out(
  `  export off (no tracing interceptor): ${median(results.off).toFixed(2)}   rounds ${results.off.map((v) => v.toFixed(1)).join(' ')}`,
);
out(
  `  export on  (span per call, OTLP):    ${median(results.on).toFixed(2)}   rounds ${results.on.map((v) => v.toFixed(1)).join(' ')}`,
);
await tracing.feature.close?.();
sink.close();
