/**
 * Time, injected so tests run on fake time. One type for every component
 * (the aggregator, the probe, the sim and the beacon client each had their
 * own): wall-clock time for what is shown, stored or sent, monotonic time for
 * durations, deadlines and timers, so a step of the wall clock (NTP, a VM
 * resumed) never stretches a timeout or refills a rate limit. A component
 * that needs less takes `Pick<Clock, …>`.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (Date.now()): timestamps. May step. */
  now(): number;
  /** Milliseconds on a monotonic clock (performance.now()): durations and deadlines. Never steps. */
  monotonicNow(): number;
  /** Calls `callback` after `ms`; the handle cancels it with clearTimeout. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms`, or early when `signal` aborts (never rejects). A plain function: callers pass it on detached. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What setTimeout returned; only clearTimeout of the same clock reads it. */
export type TimerHandle = unknown;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const timer = setTimeout(done, ms);
      // The listener goes with the sleep: the caller's signal may live as long as the process.
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};
