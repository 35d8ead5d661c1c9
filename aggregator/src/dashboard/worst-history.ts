/**
 * Worst-case propagation over time, for the dashboard chart: one point per
 * measured round, the slowest POP of that round. Running rounds contribute
 * their growing lower bound, so a stuck POP climbs on the chart before the
 * round ends (the status's extrapolated lower bound, per round: no carry-over
 * from the previous round, since each point is one round).
 */
import { type ObservationKind, observeRound } from '../analysis/observations.js';
import { findWorst } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';

export interface HistoryPoint {
  /** Aggregator wall clock (ms since epoch) of the round's first report: one clock for every probe. */
  at: number;
  probe: string;
  round: string;
  roundState: StoredRound['state'];
  pop: string;
  worstMs: number;
  kind: ObservationKind;
}

/** Points in time order, at most `maxPoints` (the newest are kept). */
export function buildWorstHistory(
  rounds: readonly StoredRound[],
  options: { now: number; maxExtrapolationMs: number; maxPoints: number },
): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (const round of rounds) {
    const worst = findWorst(observeRound(round, options.now, options.maxExtrapolationMs));
    if (worst === null) continue;
    points.push({
      at: round.firstReceivedAt,
      probe: round.probe.id,
      round: round.id,
      roundState: round.state,
      pop: worst.pop,
      worstMs: worst.ms,
      kind: worst.kind,
    });
  }
  points.sort((a, b) => a.at - b.at || (a.probe < b.probe ? -1 : a.probe > b.probe ? 1 : 0));
  return points.length > options.maxPoints ? points.slice(points.length - options.maxPoints) : points;
}
