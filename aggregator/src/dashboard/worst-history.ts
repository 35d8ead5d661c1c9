/**
 * Worst-case propagation over time, for the dashboard chart: one point per
 * measured round, the slowest POP of that round. Running rounds contribute
 * their growing lower bound, so a stuck POP climbs on the chart before the
 * round ends; and, as in the status, a POP a running round has not resolved
 * yet keeps the previous complete round's figure when that is worse
 * (observeProbe's carry-over): a POP stuck in a timeout does not dip to
 * "pending 0 s" at each new round while the banner still says alarm.
 */
import { type ObservationKind, observeProbe, observeRound } from '../analysis/observations.js';
import { findWorst } from '../analysis/worst-case.js';
import { compareRounds } from '../storage/round-sequence.js';
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
  // Each probe's rounds in its own sequence (serial order), so "the previous complete round" is well defined.
  const byProbe = new Map<string, StoredRound[]>();
  for (const round of rounds) {
    const list = byProbe.get(round.probe.id);
    if (list) list.push(round);
    else byProbe.set(round.probe.id, [round]);
  }
  for (const list of byProbe.values()) {
    let previousComplete: StoredRound | null = null;
    for (const round of list.sort(compareRounds)) {
      const observations =
        round.state === 'write_failed'
          ? observeRound(round, options.now, options.maxExtrapolationMs)
          : observeProbe(round, previousComplete, options.now, options.maxExtrapolationMs);
      if (round.state === 'complete') previousComplete = round;
      const worst = findWorst(observations);
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
  }
  points.sort((a, b) => a.at - b.at || (a.probe < b.probe ? -1 : a.probe > b.probe ? 1 : 0));
  return points.length > options.maxPoints ? points.slice(points.length - options.maxPoints) : points;
}
