import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PG_BIN = process.env.MCP_PG_BIN ?? '/usr/lib/postgresql/15/bin';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Why a throwaway cluster cannot be started here, or undefined when it can. */
export function throwawayUnavailable(): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `install PostgreSQL 15 server binaries (${PG_BIN}/initdb)`;
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    return 'install util-linux (runuser) to run initdb as the postgres user';
  }
  return undefined;
}

export interface ThrowawayPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own in a temp dir on a free port (initdb + pg_ctl, as the `postgres`
 * user when running as root), for tests that stop the database. Never touches the shared one.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-pg-'));
  const asRoot = userInfo().uid === 0;
  const pgUser = asRoot
    ? await run('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim()))
    : undefined;
  const pgGroup = asRoot
    ? await run('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim()))
    : undefined;
  if (asRoot) await chown(dir, pgUser!, pgGroup!);
  const exec = (bin: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args])
      : run(join(PG_BIN, bin), args);
  const data = join(dir, 'data');
  const port = await freePort();
  await exec('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
