import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./support/serve-fixture.ts', import.meta.url));

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
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
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('runServer start-up', () => {
  it('stops with exit 78 and one line per bad variable, without a stack trace', async () => {
    const { code, stdout, stderr } = await run([], { PORT: 'eighty', LOG_LEVEL: 'loud', AUTH_MODE: 'none' });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Invalid configuration:\n/);
    expect(stderr).toContain('  - PORT: ');
    expect(stderr).toContain('(expected a TCP port 0-65535)');
    expect(stderr).toContain('  - LOG_LEVEL: ');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('refuses AUTH_MODE=none on a non-loopback interface', async () => {
    const { code, stderr } = await run([], { AUTH_MODE: 'none', HOST: '0.0.0.0' });
    expect(code).toBe(78);
    expect(stderr).toContain('AUTH_MODE: none is only allowed when HOST is a loopback address');
  });
});

describeWithPostgres('`<server> migrate`', (databaseUrl) => {
  let db: TestDatabase;
  let url: string;
  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'runtime_migrate');
    url = db.url;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applies the runtime migrations once and exits', async () => {
    const first = await run(['migrate'], { DATABASE_URL: url });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/runtime migrations applied: .*audit-log.*approval-requests/);
    const second = await run(['migrate'], { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('runtime migrations: up to date');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    await client.end();
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(['approval_requests', 'audit_log']),
    );
  });
});
