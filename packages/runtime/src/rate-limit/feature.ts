import { createHash } from 'node:crypto';
import { type Interceptor, ToolError } from '@mcp-platform/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { RuntimeFeature } from '../feature.ts';
import { callLabel } from '../observability/feature.ts';
import type { RuntimeMetrics } from '../observability/metrics.ts';
import { limitFor } from './limits.ts';
import { MemoryRateLimitStore } from './memory-store.ts';
import { RedisRateLimitStore } from './redis-store.ts';
import { type RateDecision, type RateLimitStore, retryAfterSeconds } from './store.ts';

export interface RateLimitFeatureOptions {
  /** Server name (key prefix and metrics label). */
  server: string;
  /** Shared counters across replicas; without it every replica limits on its own. */
  redis?: Redis | undefined;
  /** Calls per minute per principal and tool when neither an override nor the definition says (0 = unlimited). */
  defaultPerMinute: number;
  /** Operator overrides by tool name (win over the definitions). */
  overrides?: ReadonlyMap<string, number>;
  metrics: RuntimeMetrics;
  log: FastifyBaseLogger;
  now?: () => number;
}

function keyPart(value: string): string {
  const safe = encodeURIComponent(value);
  return safe.length <= 96 ? safe : createHash('sha256').update(value).digest('hex');
}

/**
 * A limiter that uses Redis and, while Redis is unreachable, degrades to per-process counters:
 * calls keep working (each replica enforces the limit on its own), every such decision is counted in
 * `mcp_rate_limit_fallback_total`, and the outage is logged once when it starts and once when it ends.
 */
export class FallbackRateLimiter {
  private readonly primary: RateLimitStore | undefined;
  private readonly local = new MemoryRateLimitStore();
  private readonly onFallback: () => void;
  private readonly log: FastifyBaseLogger;
  private degraded = false;

  constructor(primary: RateLimitStore | undefined, log: FastifyBaseLogger, onFallback: () => void) {
    this.primary = primary;
    this.log = log;
    this.onFallback = onFallback;
  }

  get usingFallback(): boolean {
    return this.degraded;
  }

  async hit(key: string, limit: number, now: number): Promise<RateDecision> {
    if (this.primary) {
      try {
        const decision = await this.primary.hit(key, limit, now);
        if (this.degraded) {
          this.degraded = false;
          this.log.info('Redis reachable again: rate limits are shared across replicas again');
        }
        return decision;
      } catch (error) {
        this.onFallback();
        if (!this.degraded) {
          this.degraded = true;
          this.log.warn(
            { err: error },
            'Redis unavailable: rate limits are enforced per process until it is back',
          );
        }
      }
    }
    return this.local.hit(key, limit, now);
  }
}

/** Per principal and per tool rate limits as an interceptor (stage `limit`, after authorization). */
export function rateLimitFeature(
  options: RateLimitFeatureOptions,
): RuntimeFeature & { limiter: FallbackRateLimiter } {
  const { server, metrics } = options;
  const overrides = options.overrides ?? new Map<string, number>();
  const now = options.now ?? Date.now;
  const limiter = new FallbackRateLimiter(
    options.redis === undefined ? undefined : new RedisRateLimitStore(options.redis),
    options.log,
    () => metrics.rateLimitFallback.inc({ server }),
  );
  const prefix = `rl:{${keyPart(server)}`;
  const interceptor: Interceptor = async (call, next) => {
    const name = callLabel(call);
    const limit = limitFor(
      call.kind === 'tool' ? call.definitionName : name,
      call.policy,
      overrides,
      options.defaultPerMinute,
    );
    if (limit === 0) return next();
    const key = `${prefix}:${keyPart(name)}:${keyPart(call.ctx.caller.subject)}}`;
    const decision = await limiter.hit(key, limit, now());
    if (!decision.allowed) {
      metrics.rateLimited.inc({ server, tool: name });
      const retryAfter = retryAfterSeconds(decision, limit);
      throw new ToolError(
        'RATE_LIMITED',
        `Rate limit exceeded: at most ${limit} calls per minute to ${name} per caller`,
        {
          retryable: true,
          hint: `Wait ${retryAfter} seconds before calling ${name} again, and batch or narrow requests instead of repeating them.`,
          details: { retryAfterSeconds: retryAfter, limitPerMinute: limit },
        },
      );
    }
    return next();
  };
  return { name: 'rate-limit', stage: 'limit', interceptors: [interceptor], limiter };
}
