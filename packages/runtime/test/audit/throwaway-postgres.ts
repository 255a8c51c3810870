import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tcpRelay } from '@mcp-platform/test-support';

const run = promisify(execFile);

/** Debian's newest installed PostgreSQL server binaries (when scripts/env.sh was not sourced). */
function newestDebianPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/**
 * initdb/pg_ctl: PG_BIN_DIR (scripts/env.sh derives it from MCP_PG_MAJOR), else MCP_PG_MAJOR's Debian
 * folder, else the newest one installed.
 */
export const PG_BIN =
  process.env.PG_BIN_DIR ||
  (process.env.MCP_PG_MAJOR ? `/usr/lib/postgresql/${process.env.MCP_PG_MAJOR}/bin` : newestDebianPgBin()) ||
  '/usr/lib/postgresql/<major>/bin';

/** Why a throwaway cluster cannot be started here, or undefined when it can. */
export function throwawayUnavailable(): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    return `install the PostgreSQL server binaries (no ${PG_BIN}/initdb; set PG_BIN_DIR or run scripts/setup-toolchain.sh services)`;
  }
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
 * A PostgreSQL cluster of its own in a temp dir (initdb + pg_ctl, as the `postgres` user when running
 * as root), for tests that stop the database. Never touches the shared one. It listens only on a Unix
 * socket in that dir, behind a TCP relay whose port the test holds throughout: stopping and starting
 * it never re-binds a TCP port that another process may have taken in between.
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
  // Only names the socket file (.s.PGSQL.5432): no TCP port is opened.
  const socketPort = 5432;
  const relay = await tcpRelay(join(dir, `.s.PGSQL.${socketPort}`));
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
  const options = `-p ${socketPort} -k ${dir} -c listen_addresses= -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${relay.port}/postgres`,
    start,
    stop,
    async destroy() {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await relay.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
