/**
 * State changes into periods for the alarm history: each change starts a period of its state that lasts until
 * the next change (or now: ongoing). The state in force at the window's start is a period clipped to it. Pure.
 */
import type { StateChangeRecord } from '../storage/state-change-log.js';

export interface StatePeriod {
  state: StateChangeRecord['state'];
  start: number;
  /** null while the state still holds. */
  end: number | null;
  durationMs: number;
  /** Why it began (the status reason then). */
  reason: string;
  /** Why it ended: the reason of the next state (e.g. the recovery), null while ongoing. */
  endReason: string | null;
  pop: string | null;
  worstMs: number | null;
  /** The period began before the window: `start` is the window's start. */
  clipped: boolean;
}

/** Periods newest first from `changes` (newest first, as stored) and the change before the window, if any. */
export function buildPeriods(
  changes: readonly StateChangeRecord[],
  before: StateChangeRecord | null,
  window: { from: number; now: number },
): StatePeriod[] {
  const ascending = [...changes].reverse();
  if (before) ascending.unshift(before);
  return ascending
    .map((change, i) => {
      const next = ascending[i + 1] ?? null;
      const clipped = change.at < window.from;
      const start = clipped ? window.from : change.at;
      const end = next ? next.at : null;
      return {
        state: change.state,
        start,
        end,
        durationMs: Math.max(0, (end ?? window.now) - start),
        reason: change.reason,
        endReason: next ? next.reason : null,
        pop: change.pop,
        worstMs: change.worstMs,
        clipped,
      };
    })
    .reverse();
}
