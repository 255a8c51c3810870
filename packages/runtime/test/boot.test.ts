import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./support/boot-fixture.ts', import.meta.url));

interface Run {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function start(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? '', AUTH_MODE: 'none', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += String(c);
  });
  child.stderr.on('data', (c) => {
    stderr += String(c);
  });
  return {
    code: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  };
}

describe('the one boot: embedded PostgreSQL, migrations, commands, ordered close', () => {
  let spool: string;
  beforeAll(async () => {
    spool = await mkdtemp(join(tmpdir(), 'boot-spool-'));
  });
  afterAll(async () => {
    await rm(spool, { recursive: true, force: true });
  });

  it('`migrate` without DATABASE_URL migrates embedded PostgreSQL: runtime, the server set, the seed', async () => {
    const run = start(['migrate'], { AUDIT_SPOOL_DIR: spool });
    expect(await run.code).toBe(0);
    expect(run.stdout()).toMatch(/runtime migrations applied: .*audit-log/);
    expect(run.stdout()).toContain('boot-test migrations applied: 1765000000000_notes');
    expect(run.stdout()).toContain('boot-test seed: done');
  }, 120_000);

  it('a custom command runs on the migrated, seeded embedded database and exits with its code', async () => {
    const run = start(['count'], { AUDIT_SPOOL_DIR: spool });
    expect(await run.code).toBe(0);
    expect(run.stdout()).toContain('notes: 1');
  }, 120_000);

  it('an unknown command names the ones that exist', async () => {
    const run = start(['frobnicate'], {});
    expect(await run.code).toBe(64);
    expect(run.stderr()).toContain('use one of serve (default), migrate, count');
  }, 60_000);

  it('serve closes the features while the database is up, then the embedded PostgreSQL last (exit 0)', async () => {
    const run = start([], { AUDIT_SPOOL_DIR: spool });
    await expect
      .poll(() => run.stdout(), { timeout: 90_000, interval: 200 })
      .toContain('MCP server listening');
    expect(run.stdout()).toContain('"embeddedDatabase":true');
    run.kill('SIGTERM');
    expect(await run.code).toBe(0);
    const out = run.stdout();
    expect(out).toContain('feature closed with the database still up (1 notes, embedded=true)');
    expect(out.indexOf('feature closed with the database still up')).toBeLessThan(
      out.indexOf('closeLast of the server ran'),
    );
  }, 120_000);
});
