import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres } from '@mcp-platform/server-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { findTool, ROOT } from '../deploy/tools.ts';

// What `pnpm start` runs (scripts/start.ts, both servers on embedded PostgreSQL), stopped the two
// ways it gets stopped: Ctrl-C (SIGINT to the whole process group) and SIGTERM to the parent. Each time: exit 0, no forced exit, nothing left in an audit spool, and the audit row of
// every call made before the stop in the servers' own databases afterwards.

const PSQL = findTool('PSQL_BIN', 'psql');

interface Listening {
  server: string;
  url: string;
}

async function until(condition: () => boolean, what: string, output: () => string, limitMs = 180_000) {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function call(base: string, id: number, name: string, args: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(text).toContain(`"id":${id}`);
  expect(text).not.toContain('"isError":true');
}

/** Audit rows per tool (asynchronously: the embedded database answers from this very process). */
async function auditCalls(url: string): Promise<Record<string, number>> {
  const { stdout } = await promisify(execFile)(
    PSQL!,
    [
      '-X',
      '-At',
      '-F',
      ' ',
      url,
      '-c',
      "SELECT name, count(*) FROM audit_log WHERE event = 'call' GROUP BY name",
    ],
    { timeout: 60_000 },
  );
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, count] = line.split(' ');
        return [name, Number(count)];
      }),
  );
}

/** Bytes of audit rows still waiting in a spool under `dir` (spool files are emptied once stored). */
function spooledBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.jsonl'))
      total += readFileSync(join(entry.parentPath, entry.name)).length;
  }
  return total;
}

describe('`pnpm start` stops gracefully', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGKILL');
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['Ctrl-C (SIGINT to the process group)', (pid: number) => process.kill(-pid, 'SIGINT')],
    ['SIGTERM to the parent', (pid: number) => process.kill(pid, 'SIGTERM')],
  ])(
    '%s: every server drains, flushes its audit trail, exits 0',
    async (_how, stop) => {
      expect(PSQL, 'psql on PATH (scripts/setup-toolchain.sh services)').toBeDefined();
      dir = await mkdtemp(join(tmpdir(), 'mcp-start-'));
      const dataDirs = {
        crm: join(dir, 'crm-data'),
        itsm: join(dir, 'itsm-data'),
        knowledge: join(dir, 'knowledge-data'),
        finance: join(dir, 'finance-data'),
      };
      let output = '';
      const listening: Listening[] = [];
      // Its own process group, as a terminal gives a foreground job.
      child = spawn(process.execPath, ['--conditions=@mcp-platform/source', 'scripts/start.ts'], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PORT: '0',
          LOG_LEVEL: 'info',
          // tmpdir() of the servers: their default audit spools land here, not in a shared /tmp folder.
          TMPDIR: dir,
          SANDBOX_DATA_DIR: dataDirs.crm,
          ITSM_SANDBOX_DATA_DIR: dataDirs.itsm,
          KNOWLEDGE_DATA_DIR: dataDirs.knowledge,
          FINANCE_DATA_DIR: dataDirs.finance,
          DATABASE_URL: '',
          REDIS_URL: '',
          // The demo corpus would only lengthen the start; audit rows are what this test is about.
          DEMO_CORPUS: 'false',
        },
      });
      const onData = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output += text;
        for (const line of text.split('\n')) {
          if (!line.includes('"MCP server listening"')) continue;
          const entry = JSON.parse(line) as Listening;
          listening.push({ server: entry.server, url: entry.url });
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      const exited = new Promise<string>((resolve) =>
        child!.once('exit', (code, signal) => resolve(String(signal ?? code))),
      );

      await until(
        () => listening.length === Object.keys(dataDirs).length,
        'all servers to listen',
        () => output,
      );
      const crm = listening.find((l) => l.server === 'crm')!.url;
      const knowledge = listening.find((l) => l.server === 'knowledge')!.url;
      const itsm = listening.find((l) => l.server === 'itsm')!.url;
      for (let id = 1; id <= 3; id++) await call(crm, id, 'search_accounts', { name: 'a' });
      for (let id = 1; id <= 2; id++) await call(knowledge, id, 'list_spaces', {});
      await call(itsm, 1, 'get_configuration_item', { configurationItem: 'payments-db' });
      const finance = listening.find((l) => l.server === 'finance')!.url;
      await call(finance, 1, 'search_suppliers', { country: 'DE' });

      stop(child.pid!);
      expect(await exited, output).toBe('0');
      expect(output).not.toContain('second signal');
      expect(output).not.toMatch(/spooling audit rows|audit rows lost|ELIFECYCLE/);
      expect(output).toContain('[start] crm exited (0)');
      expect(output).toContain('[start] knowledge exited (0)');
      expect(output).toContain('[start] itsm exited (0)');
      expect(output).toContain('[start] finance exited (0)');
      expect(spooledBytes(join(dir, 'mcp-audit-spool'))).toBe(0);

      for (const [name, vector, expected] of [
        ['crm', false, { search_accounts: 3 }],
        ['itsm', false, { get_configuration_item: 1 }],
        ['knowledge', true, { list_spaces: 2 }],
        ['finance', false, { search_suppliers: 1 }],
      ] as const) {
        const database = await startEmbeddedPostgres({ dataDir: dataDirs[name], vector });
        try {
          expect(await auditCalls(database.url), `${name} audit rows`).toEqual(expected);
        } finally {
          await database.close();
        }
      }
    },
    400_000,
  );
});
