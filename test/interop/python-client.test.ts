import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeWithEnv, listen } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildInteropServer, type ObservedCall } from './interop-server.ts';

// The official Python SDK (PyPI `mcp`, pinned by scripts/env.sh) as a second, independent client.
// python_client.py runs the session and checks it; this test runs it per era and transport.
const SCRIPT = fileURLToPath(new URL('./python_client.py', import.meta.url));

interface Report {
  era: string;
  protocolVersion: string;
  progress: number[][];
  failures: string[];
}

function runPython(
  python: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describeWithEnv(
  'MCP_PYTHON',
  'a Python with the `mcp` package, e.g. .venv/bin/python from scripts/setup-toolchain.sh',
  'interop: official Python SDK client',
  (python) => {
    let app: FastifyInstance;
    let base: string;
    const observed: ObservedCall[] = [];

    beforeAll(async () => {
      app = await buildInteropServer({ onCall: (call) => observed.push(call) });
      base = await listen(app);
    });
    afterAll(async () => {
      await app.close();
    });

    it('runs the session over Streamable HTTP (2026-07-28 and 2025) and the legacy SSE transport', {
      timeout: 180_000,
    }, async () => {
      const runs = [
        { args: [`${base}/mcp`, '--era', 'modern'], version: '2026-07-28', era: '2026' },
        { args: [`${base}/mcp`, '--era', 'legacy'], version: '2025-11-25', era: '2025' },
        {
          args: [`${base}/sse`, '--era', 'legacy', '--transport', 'sse'],
          version: '2025-11-25',
          era: '2025',
        },
      ];
      // The interpreter starts slowly on a busy machine; the three sessions run side by side.
      const results = await Promise.all(runs.map((run) => runPython(python, run.args)));
      results.forEach((result, i) => {
        const label = runs[i]!.args.join(' ');
        expect(result.code, `${label}\n${result.stderr}\n${result.stdout}`).toBe(0);
        const report = JSON.parse(result.stdout) as Report;
        expect(report.failures, label).toEqual([]);
        expect(report.protocolVersion, label).toBe(runs[i]!.version);
        expect(report.progress, label).toEqual([
          [1, 4],
          [2, 4],
          [3, 4],
          [4, 4],
        ]);
      });
      const eras = new Set(observed.filter((c) => c.name === 'export_report').map((c) => c.era));
      expect([...eras].sort()).toEqual(['2025', '2026']);
    });
  },
);
