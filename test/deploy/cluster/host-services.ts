import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../engine.ts';
import { sh } from './sandbox.ts';

// Throwaway PostgreSQL and Redis for the cluster's pods, never the shared ones on 127.0.0.1: they
// listen on the cluster bridge's gateway address (the host as the pods' network sees it, not
// reachable from outside this machine), with passwords, and are removed at the end of the run.

export const PG_BIN_DIR = process.env.PG_BIN_DIR || '/usr/lib/postgresql/15/bin';
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server';
/** The pod network of kube-sandbox.sh's bridge CNI configuration. */
export const POD_CIDR = '10.244.0.0/16';

/** The IPv4 address of the cluster bridge (kbr0), which the bridge plugin gives its gateway. */
export async function bridgeAddress(): Promise<string> {
  const result = await sh('ip', ['-4', '-o', 'addr', 'show', 'dev', 'kbr0']);
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(result.stdout)?.[1];
  if (address === undefined)
    throw new Error(`kbr0 has no IPv4 address yet: ${result.stdout}${result.stderr}`);
  return address;
}

export interface HostService {
  host: string;
  port: number;
  password: string;
  stop(): Promise<void>;
}

async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms:\n${log()}`);
    await sleep(200);
  }
}

function keepLog(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * PostgreSQL on host:port (initdb as the postgres OS user: it refuses root), superuser `mcp` with a
 * random password, a database `mcp`; host connections from the pod network only, with scram.
 */
export async function startPostgres(host: string): Promise<HostService & { socketDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-kube-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(pwfile, password);
  const postgresUid = Number((await sh('id', ['-u', 'postgres'])).stdout.trim());
  chownSync(dir, postgresUid, postgresUid);
  chownSync(pwfile, postgresUid, postgresUid);
  const asPostgres = (args: string[]) =>
    sh('runuser', ['-u', 'postgres', '--', ...args], { timeoutMs: 120_000 });
  const init = await asPostgres([
    join(PG_BIN_DIR, 'initdb'),
    '-D',
    data,
    '-U',
    'mcp',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
  ]);
  if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}${init.stdout}`);
  writeFileSync(
    join(data, 'pg_hba.conf'),
    `local all all trust\nhost all all ${POD_CIDR} scram-sha-256\nhost all all ${host}/32 scram-sha-256\n`,
  );
  const port = await freePort();
  const child = spawn(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      join(PG_BIN_DIR, 'postgres'),
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${host}`,
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = keepLog(child);
  await waitUntil(
    'PostgreSQL',
    60_000,
    async () => (await sh(join(PG_BIN_DIR, 'pg_isready'), ['-q', '-h', dir, '-p', String(port)])).code === 0,
    log,
  );
  await psql({ socketDir: dir, port }, 'CREATE DATABASE mcp', 'postgres');
  return {
    host,
    port,
    password,
    socketDir: dir,
    async stop() {
      await stopChild(child, 20_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** redis-server on host:port with a password and no persistence. */
export async function startRedis(host: string): Promise<HostService> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-kube-redis-'));
  const password = randomBytes(18).toString('base64url');
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    [
      '--bind',
      host,
      '--port',
      String(port),
      '--requirepass',
      password,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = keepLog(child);
  await waitUntil(
    'Redis',
    30_000,
    async () =>
      (
        await sh('redis-cli', ['-h', host, '-p', String(port), '--no-auth-warning', '-a', password, 'ping'])
      ).stdout.trim() === 'PONG',
    log,
  );
  return {
    host,
    port,
    password,
    async stop() {
      await stopChild(child, 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** psql as the throwaway server's superuser over its Unix socket; the output of `-At`. */
export async function psql(
  pg: { socketDir: string; port: number },
  sql: string,
  database = 'mcp',
): Promise<string> {
  const result = await sh('psql', [
    '-X',
    '-At',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    pg.socketDir,
    '-p',
    String(pg.port),
    '-U',
    'mcp',
    '-d',
    database,
    '-c',
    sql,
  ]);
  if (result.code !== 0) throw new Error(`psql ${sql}: ${result.stderr}`);
  return result.stdout.trim();
}
