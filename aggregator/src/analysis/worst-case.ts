/** Worst-case propagation: the slowest (probe, POP) observation, and the figure the alarm compares. */
import type { Observation } from './observations.js';

/**
 * The figure the alarm compares with its thresholds: `ms`, or +Infinity for a
 * timeout. A POP not seen serving within the probe's wait has no upper bound:
 * it may serve a second later or never, so it is over any threshold whatever
 * the probe's maxWaitMs and the aggregator's alarmAboveMs are (a timeout
 * censored at `lowerMs = maxWaitMs` used to stay below a threshold at or above
 * maxWaitMs, and a stuck POP never alarmed).
 */
export function alarmFigure(observation: Observation): number {
  return observation.kind === 'censored' ? Number.POSITIVE_INFINITY : observation.ms;
}

/**
 * Whether `a` is worse than `b`: the larger alarm figure (a timeout before any
 * measurement); between two timeouts the longer wait; on a tie the
 * censored/lower-bound one (the less certain, more alarming).
 */
export function isWorse(a: Observation, b: Observation): boolean {
  const figureA = alarmFigure(a);
  const figureB = alarmFigure(b);
  if (figureA !== figureB) return figureA > figureB;
  if (a.ms !== b.ms) return a.ms > b.ms;
  return b.kind === 'measured' && a.kind !== 'measured';
}

/** The worst observation (see isWorse); the first of equals. */
export function findWorst(observations: Iterable<Observation>): Observation | null {
  let worst: Observation | null = null;
  for (const observation of observations) {
    if (!worst || isWorse(observation, worst)) worst = observation;
  }
  return worst;
}
