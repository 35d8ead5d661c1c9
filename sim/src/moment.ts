/**
 * A moment on both clocks: `monotonicMs` (the clock's monotonic reading,
 * sub-ms, this process only) and `epochMs` (timeOrigin + that reading:
 * wall-clock epoch ms with sub-ms precision, comparable across processes on
 * the same machine because every process derives it from the same system
 * clock at its own start, and never stepped backwards within a run).
 */
import type { Clock } from '@propwatch/shared';

export interface Moment {
  monotonicMs: number;
  epochMs: number;
}

/** The moment `clock` reads now. */
export function momentOf(clock: Pick<Clock, 'monotonicNow'>): Moment {
  const monotonicMs = clock.monotonicNow();
  return { monotonicMs, epochMs: performance.timeOrigin + monotonicMs };
}
