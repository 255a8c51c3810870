/** The outcome of one attempt against a sliding one-minute window. */
export interface RateDecision {
  allowed: boolean;
  /** Calls counted in the current window (after this one when allowed). */
  current: number;
  /** Calls counted in the previous window. */
  previous: number;
  /** Milliseconds since the current window started. */
  elapsedMs: number;
  windowMs: number;
}

/**
 * Counts calls per key over a sliding window (the current fixed window plus the previous one weighted
 * by how much of it still overlaps), allowing a call only while the estimate stays within `limit`.
 * Refused calls are not counted, so a client that backs off is not punished twice.
 */
export interface RateLimitStore {
  hit(key: string, limit: number, now: number): Promise<RateDecision>;
}

export const WINDOW_MS = 60_000;

export function windowOf(now: number, windowMs = WINDOW_MS): { index: number; elapsedMs: number } {
  const index = Math.floor(now / windowMs);
  return { index, elapsedMs: now - index * windowMs };
}

/** The sliding-window estimate: previous window weighted by its remaining overlap, plus the current one. */
export function estimate(previous: number, current: number, elapsedMs: number, windowMs = WINDOW_MS): number {
  return (previous * (windowMs - elapsedMs)) / windowMs + current;
}

/** Seconds until a refused caller would be allowed again (at least 1). */
export function retryAfterSeconds(decision: RateDecision, limit: number): number {
  const { previous, current, elapsedMs, windowMs } = decision;
  let waitMs: number;
  if (current + 1 <= limit && previous > 0) {
    // Still in this window: wait until the previous window's weight has decayed enough.
    const needed = windowMs * (1 - (limit - 1 - current) / previous);
    waitMs = Math.max(needed - elapsedMs, 0);
  } else {
    // The current window alone is full: in the next one it becomes the weighted "previous".
    const intoNext = current > 0 ? Math.max(windowMs * (1 - (limit - 1) / current), 0) : 0;
    waitMs = windowMs - elapsedMs + intoNext;
  }
  return Math.max(1, Math.ceil(waitMs / 1000));
}
