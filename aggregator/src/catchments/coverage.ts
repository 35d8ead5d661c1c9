/**
 * Coverage (issue 15): which POPs the fleet can see right now. From outside an
 * anycast network each probe reaches one instance per address (its catchment),
 * so POPs no probe's catchment reaches are blind spots: the status cannot
 * speak for them, however green it is.
 *
 * - observed: POPs with a propagation figure from a fresh probe (reported
 *   within status.staleAfterMs): the figures the status is computed from.
 *   `unreachable` and `rerouted` results are loss of observation and do not
 *   count (observations.ts).
 * - expected: `expectedPops` when configured (basis `configured`), else every
 *   POP seen within retention plus those observed now (basis `learned`: the
 *   (probe, POP) registry, so a POP that left every catchment stays expected
 *   and shows as missing until it expires with retention).
 * - missing: expected − observed, sorted.
 * Pure: the caller passes the probes' current observations.
 */
import type { Observation } from '../analysis/observations.js';

export type CoverageBasis = 'configured' | 'learned';

/** Where the expected POPs come from: the configured list, or what was seen within retention. */
export interface ExpectedSource {
  basis: CoverageBasis;
  pops: () => ReadonlySet<string>;
}

/** No list and nothing learned yet: the POPs observed now are all that is expected. */
export const NOTHING_EXPECTED: ExpectedSource = { basis: 'learned', pops: () => new Set() };

export interface Coverage {
  basis: CoverageBasis;
  /** Expected POPs observed by at least one fresh probe. */
  observed: number;
  expected: number;
  /** Expected POPs no fresh probe observes, sorted. */
  missing: string[];
  /** observed / expected; null when nothing is expected. */
  ratio: number | null;
  /** Per observed POP, the fresh probes that observe it, sorted. */
  observers: ReadonlyMap<string, readonly string[]>;
  /** Every expected or observed POP, sorted: the label set of propwatch_pop_observers. */
  pops: readonly string[];
}

/** The coverage of `expected` by the observations of `freshProbes` (see the file comment). */
export function measureCoverage(
  freshProbes: readonly string[],
  observationsOf: (probe: string) => readonly Observation[],
  expected: ExpectedSource,
): Coverage {
  const observers = new Map<string, Set<string>>();
  for (const probe of freshProbes) {
    for (const o of observationsOf(probe)) {
      const set = observers.get(o.pop) ?? new Set<string>();
      set.add(probe);
      observers.set(o.pop, set);
    }
  }
  const listed = expected.pops();
  const expectedPops = expected.basis === 'configured' ? listed : new Set([...listed, ...observers.keys()]);
  const missing = [...expectedPops].filter((pop) => !observers.has(pop)).sort();
  const observed = expectedPops.size - missing.length;
  return {
    basis: expected.basis,
    observed,
    expected: expectedPops.size,
    missing,
    ratio: expectedPops.size === 0 ? null : observed / expectedPops.size,
    observers: new Map([...observers].map(([pop, set]) => [pop, [...set].sort()])),
    pops: [...new Set([...expectedPops, ...observers.keys()])].sort(),
  };
}

/** Missing POPs named in the status and its reason: the Pi polls it; /api/v1/coverage lists them all. */
export const MISSING_IN_STATUS = 20;
