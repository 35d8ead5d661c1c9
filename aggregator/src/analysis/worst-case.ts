/** Worst-case propagation: the slowest (probe, POP) observation. */
import type { Observation } from './observations.js';

/** Whether `a` is worse than `b`: larger `ms`; on a tie the censored/lower-bound one (the less certain, more alarming). */
export function isWorse(a: Observation, b: Observation): boolean {
  return a.ms > b.ms || (a.ms === b.ms && b.kind === 'measured' && a.kind !== 'measured');
}

/** The observation with the largest `ms`; ties go to the censored/lower-bound one. */
export function findWorst(observations: Iterable<Observation>): Observation | null {
  let worst: Observation | null = null;
  for (const observation of observations) {
    if (!worst || isWorse(observation, worst)) worst = observation;
  }
  return worst;
}
