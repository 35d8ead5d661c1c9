/** Per-key token buckets: `ratePerSecond` sustained, `burst` at once. Pure apart from the injected clock. */
import type { Clock } from '@propwatch/shared';

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Pick<Clock, 'monotonicNow'>,
  ) {}

  take(key: string): TakeResult {
    // Monotonic: a wall clock stepped forwards would refill every bucket at once.
    const now = this.clock.monotonicNow();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    const refill = (Math.max(0, now - bucket.at) / 1000) * this.ratePerSecond;
    bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: ((1 - bucket.tokens) / this.ratePerSecond) * 1000 };
  }
}
