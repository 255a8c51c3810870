/**
 * `pnpm bench` — tools/call round trips against several targets in one run, each server pinned
 * to core 1 and the load generator to core 0, every response body checked. Prints req/s, p50,
 * p99 and server CPU µs per call, and the ratios against the baseline. A benchmark, not a test:
 * nothing here passes or fails on timings.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile, runLoad } from './load.ts';
import { expectedResult } from './targets/tool.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 5000);
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const twoCores = cpus().length >= 2;

// Pin the load generator to core 0 (servers go to core 1) by re-executing under taskset once.
if (twoCores && process.env.BENCH_PINNED !== '1') {
  const result = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PINNED: '1' },
    },
  );
  process.exit(result.status ?? 1);
}

export interface Target {
  name: string;
  kind: string;
  description: string;
  env?: Record<string, string>;
}

const TARGETS: Target[] = [
  { name: 'floor', kind: 'floor', description: 'bare Fastify route answering the same JSON-RPC result' },
  {
    name: 'sdk-naive',
    kind: 'sdk-naive',
    description: 'SDK v2 createMcpHandler, McpServer built per request',
  },
  { name: 'protocol', kind: 'protocol', description: 'server built from @mcp-platform/protocol' },
  {
    name: 'full-stack',
    kind: 'full-stack',
    description: 'protocol + runtime: JWT auth, rate limit, audit, metrics',
  },
  {
    name: 'full-stack-otel',
    kind: 'full-stack-otel',
    description: 'full-stack with OpenTelemetry span export on (OTLP/HTTP to a local sink)',
  },
];

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (index 11 and 12 after the comm field).
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}

let nextPort = 3900 + Math.floor(Math.random() * 50);
interface Started {
  url: string;
  headers: Record<string, string>;
  notes: string[];
  pid: number;
  stop: () => Promise<void>;
}

async function startTarget(target: Target): Promise<Started> {
  const port = nextPort++;
  const script = fileURLToPath(new URL('./targets/serve.ts', import.meta.url));
  const args = [process.execPath, '--conditions=@mcp-platform/source', script, target.kind, String(port)];
  const child = twoCores
    ? spawn('taskset', ['-c', '1', ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, ...target.env },
      })
    : spawn(args[0]!, args.slice(1), {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, ...target.env },
      });
  const ready = await new Promise<{ url: string; headers?: Record<string, string>; notes?: string[] }>(
    (resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`${target.name} exited with ${code} before it was ready`)),
      );
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const line = buffered.split('\n').find((l) => l.startsWith('ready '));
        if (line) resolve(JSON.parse(line.slice(6)));
      });
    },
  );
  return {
    url: ready.url,
    headers: ready.headers ?? {},
    notes: ready.notes ?? [],
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const MODERN_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
};
const textFor = (i: number) => `hello bench ${i % 1000}`;

interface Row {
  name: string;
  description: string;
  rps: number;
  p50: number;
  p99: number;
  cpuPerCall: number;
  requests: number;
  errors: number;
}

async function measure(target: Target): Promise<Row> {
  const server = await startTarget(target);
  if (server.notes.length > 0) out(`  (${server.notes.join(', ')})`);
  const load = (ms: number) =>
    runLoad({
      url: server.url,
      headers: { ...MODERN_HEADERS, ...server.headers },
      concurrency,
      durationMs: ms,
      body: (i) =>
        JSON.stringify({
          jsonrpc: '2.0',
          id: i,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: textFor(i) }, _meta: META },
        }),
      check: (i, status, body) => {
        if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
        const message = JSON.parse(body) as { id: number; result: unknown };
        if (message.id !== i) throw new Error(`response id ${message.id} for request ${i}`);
        const expected = JSON.stringify(expectedResult(textFor(i)));
        if (JSON.stringify(message.result) !== expected)
          throw new Error(`unexpected result ${JSON.stringify(message.result)}`);
      },
    });
  try {
    await load(warmupMs);
    const cpu0 = cpuMicros(server.pid);
    const result = await load(durationMs);
    const cpu1 = cpuMicros(server.pid);
    return {
      name: target.name,
      description: target.description,
      rps: result.requests / (result.elapsedMs / 1000),
      p50: percentile(result.latenciesUs, 50),
      p99: percentile(result.latenciesUs, 99),
      cpuPerCall: (cpu1 - cpu0) / Math.max(1, result.requests),
      requests: result.requests,
      errors: result.errors,
      ...(result.firstError ? { firstError: result.firstError } : {}),
    };
  } finally {
    await server.stop();
  }
}

function table(rows: Row[], baseline: Row | undefined, floor: Row | undefined): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (n: number, d = 0) => n.toFixed(d).padStart(9);
  out(
    `${pad('target', 14)}${'req/s'.padStart(9)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'CPU µs/call'.padStart(13)}${'errors'.padStart(8)}  ${'vs sdk-naive req/s'.padStart(18)}  ${'CPU vs floor'.padStart(12)}`,
  );
  for (const r of rows) {
    const vsBase = baseline ? `${(r.rps / baseline.rps).toFixed(2)}×` : '';
    const vsFloor = floor ? `${(r.cpuPerCall / floor.cpuPerCall).toFixed(2)}×` : '';
    out(
      `${pad(r.name, 14)}${num(r.rps)}${num(r.p50)}${num(r.p99)}${num(r.cpuPerCall, 1).padStart(13)}${String(r.errors).padStart(8)}  ${vsBase.padStart(18)}  ${vsFloor.padStart(12)}`,
    );
  }
}

const only = process.env.BENCH_ONLY?.split(',');
const targets = TARGETS.filter((t) => !only || only.includes(t.name));
out(
  `pnpm bench — tools/call (2026-07-28, JSON response), ${concurrency} concurrent keep-alive clients, ${warmupMs} ms warm-up + ${durationMs} ms measured per target`,
);
out(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; servers on core 1, load generator on core 0${twoCores ? '' : ' (single core: NOT pinned)'}`,
);
out();
const rows: Row[] = [];
for (const target of targets) {
  out(`… ${target.name}: ${target.description}`);
  rows.push(await measure(target));
}
out();
table(
  rows,
  rows.find((r) => r.name === 'sdk-naive'),
  rows.find((r) => r.name === 'floor'),
);
const protocol = rows.find((r) => r.name === 'protocol');
const naive = rows.find((r) => r.name === 'sdk-naive');
const floor = rows.find((r) => r.name === 'floor');
out();
if (protocol && naive && floor) {
  out(
    `target: protocol ≥ 2× sdk-naive req/s → ${(protocol.rps / naive.rps).toFixed(2)}×; protocol CPU/call ≤ 10× floor → ${(protocol.cpuPerCall / floor.cpuPerCall).toFixed(2)}×`,
  );
}
const fullStack = rows.find((r) => r.name === 'full-stack');
if (protocol && fullStack) {
  out(
    `target: full-stack ≥ 70% of protocol req/s → ${((fullStack.rps / protocol.rps) * 100).toFixed(0)}%; p99 added < 2 ms → ${((fullStack.p99 - protocol.p99) / 1000).toFixed(2)} ms`,
  );
}
// Knowledge search: 100k chunks on the real PostgreSQL (DATABASE_URL), beside its targets.
if (!only || only.includes('knowledge')) {
  const databaseUrl = process.env.DATABASE_URL;
  out();
  if (!databaseUrl) {
    out('knowledge search: SKIPPED — set DATABASE_URL (PostgreSQL 15+) to measure search and ingestion');
  } else {
    const { runSearchBench } = await import('../servers/knowledge/bench/search-bench.ts');
    const k = await runSearchBench({
      databaseUrl,
      chunks: Number(process.env.BENCH_KNOWLEDGE_CHUNKS ?? 100_000),
      log: (line) => out(`  ${line}`),
    });
    out(
      `knowledge search over ${k.chunks} chunks: p50 ${k.search.p50Ms.toFixed(1)} ms, p95 ${k.search.p95Ms.toFixed(1)} ms (target < ${k.targets.searchP95Ms} ms), p99 ${k.search.p99Ms.toFixed(1)} ms`,
    );
    out(
      `knowledge ingestion: ${k.ingestion.documentsPerSecond.toFixed(0)} documents/s at concurrency ${k.ingestion.concurrency} (target ≥ ${k.targets.ingestionDocumentsPerSecond}); load average ${k.loadAverage.start.toFixed(1)} → ${k.loadAverage.end.toFixed(1)}`,
    );
  }
}
const failed = rows.filter((r) => r.errors > 0);
for (const r of failed)
  out(
    `WARNING: ${r.name} had ${r.errors} failed or wrong responses (${(r as Row & { firstError?: string }).firstError})`,
  );
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
process.exit(failed.length > 0 ? 1 : 0);
