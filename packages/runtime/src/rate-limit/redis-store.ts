import type { Redis } from 'ioredis';
import { type RateDecision, type RateLimitStore, WINDOW_MS, windowOf } from './store.ts';

/**
 * One atomic round trip: read the previous window, refuse when the sliding estimate would exceed the
 * limit, else INCR the current window (expiring it after two windows). KEYS share a hash tag so the
 * script also runs on Redis Cluster.
 */
const SCRIPT = `
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
if previous * (window - elapsed) / window + current + 1 > limit then
  return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], window * 2) end
return {1, current, previous}
`;

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;
  private sha: string | undefined;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  async hit(key: string, limit: number, now: number): Promise<RateDecision> {
    const { index, elapsedMs } = windowOf(now);
    const keys = [`${key}:${index}`, `${key}:${index - 1}`];
    const args = [limit, WINDOW_MS, elapsedMs];
    let reply: [number, number, number];
    try {
      this.sha ??= (await this.redis.script('LOAD', SCRIPT)) as string;
      reply = (await this.redis.evalsha(this.sha, 2, ...keys, ...args)) as [number, number, number];
    } catch (error) {
      // After a Redis restart the script cache is empty: load it again once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      this.sha = undefined;
      reply = (await this.redis.eval(SCRIPT, 2, ...keys, ...args)) as [number, number, number];
    }
    const [allowed, current, previous] = reply;
    return { allowed: allowed === 1, current, previous, elapsedMs, windowMs: WINDOW_MS };
  }
}
