import { fileURLToPath } from 'node:url';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleSignals } from '../src/run.ts';
import type { RuntimeServer } from '../src/server.ts';
import { spawnScript } from './support/spawn-script.ts';

const SCRIPT = fileURLToPath(new URL('./support/serve-fixture.ts', import.meta.url));

async function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnScript(SCRIPT, args, env);
  const code = await child.code;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
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

describe('handleSignals', () => {
  function fakeServer() {
    const logged: string[] = [];
    let finish: () => void = () => {};
    let shutdowns = 0;
    const log = {
      info: (_: unknown, msg: string) => logged.push(msg),
      warn: (_: unknown, msg: string) => logged.push(msg),
    };
    const server = {
      app: { log },
      shutdown: () => {
        shutdowns += 1;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    } as unknown as RuntimeServer;
    return { server, logged, finish: () => finish(), shutdowns: () => shutdowns };
  }

  it('SIGINT then SIGTERM is one shutdown (exit 0); the same signal twice forces exit 1', async () => {
    const exits: number[] = [];
    const fake = fakeServer();
    const off = handleSignals(fake.server, (code) => exits.push(code));
    try {
      process.emit('SIGINT', 'SIGINT');
      process.emit('SIGTERM', 'SIGTERM');
      expect(fake.shutdowns()).toBe(1);
      expect(exits).toEqual([]);
      expect(fake.logged).toContain('signal received while shutting down: same shutdown');
      fake.finish();
      await expect.poll(() => exits).toEqual([0]);
      expect(fake.logged).not.toContain('second signal: exiting without waiting');
    } finally {
      off();
    }

    const again = fakeServer();
    const exits2: number[] = [];
    const off2 = handleSignals(again.server, (code) => exits2.push(code));
    try {
      process.emit('SIGINT', 'SIGINT');
      process.emit('SIGINT', 'SIGINT'); // a second Ctrl-C
      expect(exits2).toEqual([1]);
      expect(again.logged).toContain('second signal: exiting without waiting');
    } finally {
      off2();
    }
  });
});
