import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type RoundRobinProxy, roundRobinProxy, runInspectorCli } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInteropServer, type ObservedCall, RETURNS_POLICY } from './interop-server.ts';

// The MCP Inspector CLI (`mcp-inspector --cli`), a separately developed client, run as a real process
// against a server built from the package. A tapping proxy in front of the server records what
// reached the Inspector's socket (the CLI prints results, not progress notifications).

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('MCP Inspector CLI', () => {
  let app: FastifyInstance;
  let proxy: RoundRobinProxy;
  let home: string;
  const observed: ObservedCall[] = [];
  const wire: string[] = [];

  beforeAll(async () => {
    app = await buildInteropServer({ onCall: (call) => observed.push(call) });
    proxy = await roundRobinProxy([await listen(app)], {
      tap: (_request, chunk) => wire.push(chunk.toString('utf8')),
    });
    // The CLI keeps a catalog and client config under $HOME; give it a throwaway one.
    home = await mkdtemp(join(tmpdir(), 'mcp-inspector-home-'));
  });
  afterAll(async () => {
    await proxy.close();
    await app.close();
    await rm(home, { recursive: true, force: true });
  });

  function inspector(args: string[]): Promise<CliRun> {
    return runInspectorCli(home, args);
  }

  function resultOf(run: CliRun): Record<string, unknown> {
    expect(run.code, `inspector exited ${run.code}: ${run.stderr}${run.stdout}`).toBe(0);
    return (JSON.parse(run.stdout) as { result: Record<string, unknown> }).result;
  }

  it.each([
    { era: 'legacy', serverEra: '2025' },
    { era: 'modern', serverEra: '2026' },
  ])(
    'lists, calls (with progress), reads and gets a prompt over Streamable HTTP ($era era)',
    { timeout: 120_000 },
    async ({ era, serverEra }) => {
      const target = [`${proxy.url}/mcp`, '--transport', 'http', '--protocol-era', era];
      const token = `inspector-progress-${era}`;
      const seenBefore = observed.length;
      const [list, call, failed, progress, read, prompt] = await Promise.all([
        inspector([...target, '--method', 'tools/list']),
        inspector([
          ...target,
          '--method',
          'tools/call',
          '--tool-name',
          'lookup_order',
          '--tool-arg',
          'orderId=A-1001',
        ]),
        inspector([
          ...target,
          '--method',
          'tools/call',
          '--tool-name',
          'lookup_order',
          '--tool-arg',
          'orderId=A-9999',
        ]),
        inspector([
          ...target,
          '--method',
          'tools/call',
          '--tool-name',
          'export_report',
          '--tool-arg',
          'steps=4',
          '--tool-metadata',
          `progressToken=${token}`,
        ]),
        inspector([...target, '--method', 'resources/read', '--uri', 'interop://policies/returns']),
        inspector([
          ...target,
          '--method',
          'prompts/get',
          '--prompt-name',
          'draft_reply',
          '--prompt-args',
          'customer=Ada',
          'tone=formal',
        ]),
      ]);

      const tools = resultOf(list).tools as Array<{ name: string }>;
      expect(tools.map((t) => t.name).sort()).toEqual(['export_report', 'lookup_order']);
      expect(resultOf(call).structuredContent).toEqual({
        orderId: 'A-1001',
        status: 'shipped',
        total: 129.5,
      });
      // A tool error is a result, and the CLI reports it with its documented exit code 5.
      expect(failed.code, failed.stderr).toBe(5);
      expect(failed.stdout + failed.stderr).toContain('NOT_FOUND');

      expect(resultOf(progress).content).toEqual([{ type: 'text', text: 'report ready after 4 steps' }]);
      const stream = wire.join('');
      const notes = [...stream.matchAll(/"method":"notifications\/progress","params":(\{[^}]*\})/g)]
        .map((m) => JSON.parse(m[1]!) as { progressToken: string; progress: number; total: number })
        .filter((p) => p.progressToken === token);
      expect(notes.map((p) => `${p.progress}/${p.total}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
      expect(stream.indexOf(`"progress":4,"total":4`)).toBeLessThan(
        stream.indexOf('report ready after 4 steps'),
      );

      expect(resultOf(read).contents).toEqual([
        { uri: 'interop://policies/returns', mimeType: 'text/markdown', text: RETURNS_POLICY },
      ]);
      expect(resultOf(prompt).messages).toEqual([
        { role: 'user', content: { type: 'text', text: 'Draft a formal reply to Ada.' } },
      ]);

      // Every call of this run reached the handlers in the era the CLI was told to negotiate.
      const eras = new Set(observed.slice(seenBefore).map((c) => c.era));
      expect([...eras]).toEqual([serverEra]);
    },
  );
});
