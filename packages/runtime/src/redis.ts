import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { ReadinessCheck } from './feature.ts';

/**
 * The server's Redis connection, tuned to fail fast: no offline queue (a command while disconnected
 * fails at once instead of waiting), one retry per command, a short command timeout, and endless
 * background reconnects. Callers decide what a failure means (the rate limiter falls back).
 */
export function createRedis(url: string, log: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
    connectionName: 'mcp-runtime',
    // Commands issued in the same tick (concurrent calls' rate-limit checks) share one socket write.
    enableAutoPipelining: true,
  });
  let down = false;
  // ioredis emits an error per reconnect attempt; report the outage once, not once per attempt.
  redis.on('error', (error) => {
    if (down) return;
    down = true;
    log.warn({ err: error }, 'Redis connection lost; reconnecting in the background');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis connection restored');
  });
  return redis;
}

/** `/readyz` entry for Redis. Unreachable Redis degrades rate limits to per-process; it does not make the pod unready. */
export function redisReadiness(redis: Redis): () => Promise<ReadinessCheck> {
  return async () => {
    if (redis.status !== 'ready')
      return { ok: true, detail: `redis ${redis.status}: rate limits enforced per process` };
    try {
      await redis.ping();
      return { ok: true };
    } catch (error) {
      return { ok: true, detail: `redis: ${(error as Error).message}; rate limits enforced per process` };
    }
  };
}

/** Closes a Redis connection: QUIT when connected, else just disconnect. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}

/**
 * A dedicated subscriber connection for the legacy SSE relay. Unlike the command connection it keeps
 * an offline queue: SUBSCRIBE issued while (re)connecting must wait for the connection, not fail.
 */
export function createSubscriber(redis: Redis): Redis {
  return redis.duplicate({
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
    connectionName: 'mcp-runtime-sse',
  });
}

/** Waits (bounded) for the first connection so the first calls do not all start in fallback mode. */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}
