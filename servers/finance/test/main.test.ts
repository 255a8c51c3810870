import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Contract, verifyServer } from '@mcp-platform/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `pnpm start` runs for finance: src/main.ts with no DATABASE_URL and no SAP system, so the
// sandbox S/4HANA (and the audit trail) live in embedded PostgreSQL. The MCP Inspector CLI, an
// independently developed client, lists the tools and ranks the top suppliers by spend.

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const require = createRequire(import.meta.url);
const INSPECTOR = join(
  dirname(require.resolve('@modelcontextprotocol/inspector/package.json')),
  'clients/launcher/build/index.js',
);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  onOutput?: (text: string, child: ChildProcessWithoutNullStreams) => void,
): Promise<Run> & { child: ChildProcessWithoutNullStreams } {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const done = new Promise<Run>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      onOutput?.(stdout + stderr, child);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      onOutput?.(stdout + stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(done, { child });
}

describe('pnpm start: the finance server on embedded PostgreSQL', { timeout: 240_000 }, () => {
  let dir: string;
  let server: (Promise<Run> & { child: ChildProcessWithoutNullStreams }) | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'finance-main-'));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the sandbox; the Inspector CLI lists the tools and ranks the top suppliers by spend', async () => {
    const { DATABASE_URL: _db, SAP_BASE_URL: _sap, ...env } = process.env;
    let url: string | undefined;
    const listening = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not start within 180 s')), 180_000);
      server = run(
        ['--conditions=@mcp-platform/source', MAIN],
        {
          ...env,
          HOST: '127.0.0.1',
          PORT: '0',
          AUTH_MODE: 'none',
          LOG_LEVEL: 'info',
          FINANCE_DATA_DIR: join(dir, 'pgdata'),
          AUDIT_SPOOL_DIR: join(dir, 'spool'),
          SANDBOX_ANCHOR_DATE: '2026-11-23',
        },
        (text) => {
          const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"MCP server listening"/.exec(text);
          if (match && url === undefined) {
            url = match[1]!;
            clearTimeout(timer);
            resolve(url);
          }
        },
      );
      void server.then((r) => reject(new Error(`the server exited ${r.code}:\n${r.stdout}${r.stderr}`)));
    });
    const base = await listening;
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { sandbox: { ok: true } } });

    const cli = (args: string[]) =>
      run(
        [INSPECTOR, '--cli', `${base}/mcp`, '--transport', 'http', ...args, '--format', 'json', '--quiet'],
        { ...process.env, HOME: join(dir, 'home'), NO_COLOR: '1' },
      );
    const list = await cli(['--method', 'tools/list']);
    expect(list.code, list.stderr + list.stdout).toBe(0);
    const tools = (JSON.parse(list.stdout) as { result: { tools: Array<{ name: string }> } }).result.tools;
    expect(tools.map((t) => t.name)).toContain('rank_suppliers');
    expect(tools).toHaveLength(8);
    const ranked = await cli([
      '--method',
      'tools/call',
      '--tool-name',
      'rank_suppliers',
      '--tool-arg',
      'top=5',
      '--tool-arg',
      'renewalQuarter=2027-Q3',
    ]);
    expect(ranked.code, ranked.stderr + ranked.stdout).toBe(0);
    const result = (
      JSON.parse(ranked.stdout) as {
        result: {
          structuredContent: {
            suppliers: Array<{ rank: number; spend: { amount: string; currency: string } }>;
          };
        };
      }
    ).result;
    expect(result.structuredContent.suppliers.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5]);
    const amounts = result.structuredContent.suppliers.map((s) => Number(s.spend.amount));
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);

    // What main.ts serves (approvals on, real backend) is the contract generated offline and committed.
    const committed = JSON.parse(
      readFileSync(new URL('../contract.json', import.meta.url), 'utf8'),
    ) as Contract;
    const verified = await verifyServer({ url: `${base}/mcp`, pinned: committed });
    expect(verified.problems).toEqual([]);

    server!.child.kill('SIGTERM');
    expect((await server!).code).toBe(0);
  });
});
