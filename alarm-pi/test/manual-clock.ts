/**
 * A clock whose timers fire only when a test advances it, while real sockets
 * keep working (vi.useFakeTimers would also freeze the timers the HTTP client
 * uses inside). Passed to the code under test as its `clock` parameter.
 */
import type { Clock } from '@propwatch/shared';

export class ManualClock implements Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'> {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  monotonicNow = (): number => this.time;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => void this.timers.delete(handle as number);

  /** Pending timers, for checking nothing is left behind. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing due timers in order and letting real I/O run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending I/O callbacks and promise chains run (real event-loop turns, no timers). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits, on real event-loop turns, until `check` holds (at most `turns` turns, then throws with `what`). */
export async function until(check: () => boolean, what: string, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`not reached: ${what}`);
}

/** Advances `clock` in small steps, with real I/O between them, until `check` holds (at most `maxMs`). */
export async function advanceUntil(
  clock: ManualClock,
  check: () => boolean,
  what: string,
  maxMs: number,
  stepMs = 250,
): Promise<void> {
  for (let waited = 0; waited <= maxMs; waited += stepMs) {
    if (check()) return;
    await clock.advance(stepMs);
    await settle(20);
  }
  throw new Error(`not reached within ${maxMs} ms of the manual clock: ${what}`);
}
