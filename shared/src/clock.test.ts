import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

afterEach(() => vi.useRealTimers());

describe('systemClock', () => {
  it('sleeps on timers and wakes early on abort, leaving no listener behind', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    let woke = false;
    const sleeping = systemClock.sleep(10_000, stop.signal).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(woke).toBe(false);
    stop.abort();
    await sleeping;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a timer can be cancelled', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    const handle = systemClock.setTimeout(() => fired.push(1), 100);
    systemClock.setTimeout(() => fired.push(2), 100);
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([2]);
  });

  it('reads the wall clock and a monotonic clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now >= before && now <= Date.now()).toBe(true);
    const first = systemClock.monotonicNow();
    expect(systemClock.monotonicNow()).toBeGreaterThanOrEqual(first);
  });
});
