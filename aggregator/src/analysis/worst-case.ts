/** Worst-case propagation: the slowest (probe, POP) observation, and per-probe maxima. */
import type { Observation } from './observations.js';

/** The observation with the largest `ms`; ties go to the censored/lower-bound one (the less certain, more alarming). */
export function findWorst(observations: Iterable<Observation>): Observation | null {
  let worst: Observation | null = null;
  for (const observation of observations) {
    if (!worst || observation.ms > worst.ms || (observation.ms === worst.ms && worst.kind === 'measured' && observation.kind !== 'measured')) {
      worst = observation;
    }
  }
  return worst;
}

/** The worst observation of each probe. */
export function worstPerProbe(observations: Iterable<Observation>): Map<string, Observation> {
  const byProbe = new Map<string, Observation[]>();
  for (const observation of observations) {
    const list = byProbe.get(observation.probe) ?? [];
    list.push(observation);
    byProbe.set(observation.probe, list);
  }
  const worst = new Map<string, Observation>();
  for (const [probe, list] of byProbe) worst.set(probe, findWorst(list)!);
  return worst;
}
