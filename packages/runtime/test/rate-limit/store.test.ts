import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-store.ts';
import { estimate, retryAfterSeconds, WINDOW_MS } from '../../src/rate-limit/store.ts';

const T0 = 1_700_000_040_000 - (1_700_000_040_000 % WINDOW_MS); // a window boundary

describe('sliding-window limiter (per-process store)', () => {
  it('allows up to the limit, refuses the next without counting it', async () => {
    const store = new MemoryRateLimitStore();
    expect((await store.hit('k', 2, T0 + 1000)).allowed).toBe(true);
    expect((await store.hit('k', 2, T0 + 2000)).allowed).toBe(true);
    const refused = await store.hit('k', 2, T0 + 3000);
    expect(refused).toMatchObject({ allowed: false, current: 2, previous: 0 });
    expect((await store.hit('k', 2, T0 + 4000)).current).toBe(2);
    expect((await store.hit('other', 2, T0 + 4000)).allowed).toBe(true);
  });

  it('weights the previous window by its remaining overlap', async () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 10; i++) await store.hit('k', 10, T0 + i);
    // 15 s into the next window, 75% of the previous 10 calls still count: 7.5 + 1 <= 10 allows two more.
    const next = T0 + WINDOW_MS + 15_000;
    expect((await store.hit('k', 10, next)).allowed).toBe(true);
    expect((await store.hit('k', 10, next)).allowed).toBe(true);
    expect((await store.hit('k', 10, next)).allowed).toBe(false);
    expect(estimate(10, 2, 15_000)).toBe(9.5);
    // Two windows later the old counts are gone.
    expect((await store.hit('k', 10, T0 + 3 * WINDOW_MS)).current).toBe(1);
  });

  it('says when to retry', () => {
    // Current window full (5 of 5) 10 s in: wait the 50 s left plus the time the weight needs to drop below 4.
    expect(
      retryAfterSeconds(
        { allowed: false, current: 5, previous: 0, elapsedMs: 10_000, windowMs: WINDOW_MS },
        5,
      ),
    ).toBe(62);
    // Previous window heavy, current empty: wait until its weight decays enough.
    expect(
      retryAfterSeconds(
        { allowed: false, current: 0, previous: 10, elapsedMs: 30_000, windowMs: WINDOW_MS },
        5,
      ),
    ).toBe(6);
    expect(
      retryAfterSeconds(
        { allowed: false, current: 1, previous: 1, elapsedMs: 59_999, windowMs: WINDOW_MS },
        1,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('stays bounded', async () => {
    const store = new MemoryRateLimitStore({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) await store.hit(`k${i}`, 5, T0 + 1);
    expect((store as unknown as { counts: Map<string, number> }).counts.size).toBeLessThanOrEqual(100);
  });
});
