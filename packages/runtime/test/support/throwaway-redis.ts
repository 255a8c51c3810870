import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TcpRelay, tcpRelay } from '@mcp-platform/test-support';
import { Redis } from 'ioredis';

/**
 * A redis-server of our own, for outage tests (the shared one is never stopped). It listens on a Unix
 * socket in a private folder behind a TCP relay whose port the test holds throughout: killing it and
 * starting it again never re-binds a port that another process may have taken in between.
 */
export class ThrowawayRedis {
  private child: ChildProcess | undefined;

  private readonly dir: string;
  private readonly relay: TcpRelay;

  private constructor(dir: string, relay: TcpRelay) {
    this.dir = dir;
    this.relay = relay;
  }

  get port(): number {
    return this.relay.port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.relay.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-redis-'));
    const redis = new ThrowawayRedis(dir, await tcpRelay(join(dir, 'redis.sock')));
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.env.REDIS_SERVER_BIN || 'redis-server',
      [
        '--port',
        '0',
        '--unixsocket',
        join(this.dir, 'redis.sock'),
        '--unixsocketperm',
        '700',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before answering`)));
    });
    const probe = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => {});
    const answered = async (): Promise<void> => {
      // (A probe loop, not a sleep: it ends as soon as redis answers, or when the child is gone.)
      // Until the socket exists the relay drops the connection; ask again until redis answers.
      while (child.exitCode === null && this.child === child) {
        try {
          await probe.connect();
          const info = await probe.info('server');
          if (info.includes(`process_id:${child.pid}\r`)) return;
          throw new Error(`another redis-server answers at ${this.url}`);
        } catch (error) {
          probe.disconnect();
          if (error instanceof Error && error.message.startsWith('another')) throw error;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      throw new Error(
        `redis-server (${process.env.REDIS_SERVER_BIN || 'redis-server'}) stopped before answering`,
      );
    };
    try {
      await Promise.race([answered(), exited]);
    } finally {
      probe.disconnect();
      exited.catch(() => {});
    }
  }

  /** Kills the server abruptly (no clean shutdown), like a crashed or partitioned Redis. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Kills the server and frees the relay and the folder. */
  async destroy(): Promise<void> {
    await this.kill();
    await this.relay.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
