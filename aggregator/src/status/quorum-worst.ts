/**
 * The worst case at a fixed quorum, over observations alone. With quorum 1 it
 * is propwatch_propagation_worst_any_probe_seconds. The figure the alarm is
 * decided on (propwatch_propagation_worst_seconds) is PopQuorum.worstMs
 * (pop-quorum.ts): the same definition with each POP's effective quorum and,
 * below the configured quorum, corroborated votes (quorum under anycast); where
 * every POP is seen by at least `quorum` probes the two are equal.
 *
 * Definition, over the observations the status evaluates (alarmFigure: `ms`,
 * +Infinity for a timeout):
 * 1. each probe's figure for a POP is its largest for that POP (a probe may
 *    list a POP under several targets; quorum counts it once);
 * 2. a POP's quorum figure is the `quorum`-th largest of those figures; a POP
 *    seen by fewer than `quorum` probes has none;
 * 3. the quorum worst is the largest quorum figure over all POPs, or null when
 *    no POP is seen by `quorum` probes.
 * Then, as decideStatus and findPopBreaches count: some POP is over a
 * threshold for at least `quorum` probes exactly when the quorum worst is over
 * it — `> alarmAboveMs` raises the alarm, `>= clearBelowMs` holds it. With
 * quorum 1 it is the worst figure of any single probe.
 */
import type { Observation } from '../analysis/observations.js';
import { alarmFigure } from '../analysis/worst-case.js';

/** The quorum worst of `observations` in ms (+Infinity when it is a timeout), or null (see the file comment). */
export function quorumWorstMs(observations: Iterable<Observation>, quorum: number): number | null {
  const byPop = new Map<string, Map<string, number>>();
  for (const observation of observations) {
    const figures = byPop.get(observation.pop) ?? new Map<string, number>();
    const figure = alarmFigure(observation);
    figures.set(observation.probe, Math.max(figures.get(observation.probe) ?? Number.NEGATIVE_INFINITY, figure));
    byPop.set(observation.pop, figures);
  }
  let worst: number | null = null;
  for (const figures of byPop.values()) {
    if (figures.size < quorum) continue;
    const quorumth = [...figures.values()].sort((a, b) => b - a)[quorum - 1]!;
    if (worst === null || quorumth > worst) worst = quorumth;
  }
  return worst;
}
