import { estimate, type RateDecision, type RateLimitStore, WINDOW_MS, windowOf } from './store.ts';

/**
 * Per-process sliding-window counters: used when no Redis is configured, and as the fallback while
 * Redis is unreachable. Bounded: counters of windows older than the previous one are dropped, and
 * beyond `maxKeys` keys the oldest are evicted.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counts = new Map<string, number>();
  private readonly maxKeys: number;
  private sweptWindow = -1;

  constructor(options: { maxKeys?: number } = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  async hit(key: string, limit: number, now: number): Promise<RateDecision> {
    const { index, elapsedMs } = windowOf(now);
    if (index !== this.sweptWindow) this.sweep(index);
    const currentKey = `${key}:${index}`;
    const previous = this.counts.get(`${key}:${index - 1}`) ?? 0;
    const current = this.counts.get(currentKey) ?? 0;
    if (estimate(previous, current, elapsedMs) + 1 > limit) {
      return { allowed: false, current, previous, elapsedMs, windowMs: WINDOW_MS };
    }
    if (this.counts.size >= this.maxKeys && !this.counts.has(currentKey)) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    this.counts.set(currentKey, current + 1);
    return { allowed: true, current: current + 1, previous, elapsedMs, windowMs: WINDOW_MS };
  }

  private sweep(index: number): void {
    this.sweptWindow = index;
    for (const key of this.counts.keys()) {
      const window = Number(key.slice(key.lastIndexOf(':') + 1));
      if (window < index - 1) this.counts.delete(key);
    }
  }
}
