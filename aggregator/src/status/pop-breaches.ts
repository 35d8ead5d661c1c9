/**
 * Quorum is counted per POP: a POP is in breach when at least `quorum`
 * distinct probes see that same POP over the threshold. Counting probes whose
 * worst POP is over would let p1 (slow on LHR) and p2 (slow on SIN) raise an
 * alarm together although neither POP is confirmed by a second vantage point.
 * A probe may list a POP under several targets (IPv4 and IPv6); it still counts once.
 */
import type { Observation } from '../analysis/observations.js';
import { alarmFigure, findWorst, isWorse } from '../analysis/worst-case.js';

/** A POP that some probes see over the threshold in force. */
export interface PopBreach {
  pop: string;
  /** The distinct probes that see it over the threshold, sorted. */
  probes: string[];
  /** The worst of their observations of this POP. */
  worst: Observation;
}

/** Every POP at least one probe sees over the threshold (`isOver`), worst first. */
export function findPopBreaches(observations: Iterable<Observation>, isOver: (o: Observation) => boolean): PopBreach[] {
  const byPop = new Map<string, Observation[]>();
  for (const observation of observations) {
    if (!isOver(observation)) continue;
    const list = byPop.get(observation.pop) ?? [];
    list.push(observation);
    byPop.set(observation.pop, list);
  }
  return [...byPop.entries()]
    .map(([pop, list]) => ({ pop, probes: [...new Set(list.map((o) => o.probe))].sort(), worst: findWorst(list)! }))
    .sort((a, b) =>
      isWorse(a.worst, b.worst) ? -1 : isWorse(b.worst, a.worst) ? 1 : a.pop < b.pop ? -1 : a.pop > b.pop ? 1 : 0,
    );
}

/** The distinct probes that see `pop` over `thresholdMs` (strictly; a timeout always is), sorted. */
export function probesAbove(observations: readonly Observation[], pop: string, thresholdMs: number): string[] {
  return [
    ...new Set(observations.filter((o) => o.pop === pop && alarmFigure(o) > thresholdMs).map((o) => o.probe)),
  ].sort();
}
