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

/**
 * The coverage of `expected` by the observations of `freshProbes` (see the file comment). It runs on every status
 * evaluation (a report each, with 1,000 probes hundreds a second), so it only counts: `observers` and `pops`, which
 * sort a list per POP, are built on first read (the metrics scrape and /api/v1/coverage read them, the status does
 * not).
 */
export function measureCoverage(
  freshProbes: readonly string[],
  observationsOf: (probe: string) => readonly Observation[],
  expected: ExpectedSource,
): Coverage {
  // Per POP, its fresh observers in the order of `freshProbes`; a probe's observations come together, so a probe
  // observing a POP twice (two targets) is the last one in the list.
  const observed = new Map<string, string[]>();
  for (const probe of freshProbes) {
    for (const o of observationsOf(probe)) {
      const list = observed.get(o.pop);
      if (!list) observed.set(o.pop, [probe]);
      else if (list[list.length - 1] !== probe) list.push(probe);
    }
  }
  const listed = expected.pops();
  let expectedPops = listed;
  if (expected.basis === 'learned') {
    for (const pop of observed.keys()) {
      if (expectedPops.has(pop)) continue;
      if (expectedPops === listed) expectedPops = new Set(listed);
      (expectedPops as Set<string>).add(pop);
    }
  }
  const missing: string[] = [];
  for (const pop of expectedPops) if (!observed.has(pop)) missing.push(pop);
  missing.sort();
  const observedCount = expectedPops.size - missing.length;
  let observers: ReadonlyMap<string, readonly string[]> | undefined;
  let pops: readonly string[] | undefined;
  return {
    basis: expected.basis,
    observed: observedCount,
    expected: expectedPops.size,
    missing,
    ratio: expectedPops.size === 0 ? null : observedCount / expectedPops.size,
    get observers() {
      return (observers ??= new Map([...observed].map(([pop, list]) => [pop, [...list].sort()])));
    },
    get pops() {
      return (pops ??= [...new Set([...expectedPops, ...observed.keys()])].sort());
    },
  };
}

/** Missing POPs named in the status and its reason: the Pi polls it; /api/v1/coverage lists them all. */
export const MISSING_IN_STATUS = 20;
