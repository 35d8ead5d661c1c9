/** Human text for the status `reason`: which POP, which probes, how late. */
import { plainText } from '@propwatch/shared';
import type { Observation } from '../analysis/observations.js';
import type { Coverage } from '../catchments/coverage.js';
import type { PopBreach } from './pop-breaches.js';
import type { ProbeView, StatusSettings } from './evaluate-status.js';

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The POP as the observation saw it: "LHR", or for an anycast instance the address it answered on and the
 * vantage point, "LHR (via ns1 from p-eu-west)": another probe's catchment of ns1 is another POP.
 */
function popName(o: Observation): string {
  return o.via === undefined ? o.pop : `${o.pop} (via ${o.via} from ${o.probe})`;
}

/**
 * "LHR not serving serial 17… after 42.0 s" and friends, by what kind of figure
 * it is, with a note for the parenthesis (timeout, queries failing).
 */
function observationText(o: Observation): { text: string; note: string | null } {
  const pop = popName(o);
  switch (o.kind) {
    case 'measured':
      return {
        text: `${pop} took ${formatSeconds(o.ms)} (${formatSeconds(o.lowerMs)}–${formatSeconds(o.upperMs ?? o.ms)}) to serve serial ${o.serial}`,
        note: null,
      };
    case 'censored':
      // Censored at the probe's wait: at least that late, possibly never.
      return { text: `${pop} not serving serial ${o.serial} after ≥ ${formatSeconds(o.ms)}`, note: 'timeout' };
    case 'lower-bound':
      return {
        text: `${pop} not serving serial ${o.serial} after ${formatSeconds(o.ms)}`,
        note: o.state === 'failing' ? 'queries failing' : null,
      };
  }
}

/** An observation with the probes that see it: "LHR not serving serial … after ≥ 30.0 s (timeout; probes p1, p2)". */
export function describeObservation(o: Observation, probes: readonly string[]): string {
  const { text, note } = observationText(o);
  return `${text} (${note === null ? '' : `${note}; `}${listProbes(probes)})`;
}

function listProbes(ids: readonly string[]): string {
  return `${ids.length === 1 ? 'probe' : 'probes'} ${ids.join(', ')}`;
}

/** How an alarm below the configured quorum was confirmed (pop-quorum.ts). */
export interface Corroboration {
  effectiveQuorum: number;
  quorum: number;
  rounds: number;
}

export function describeAlarm(
  worst: Observation,
  breaching: readonly string[],
  holdingAboveClearMs: number | null,
  corroboration: Corroboration | null = null,
): string {
  const hold = holdingAboveClearMs === null ? '' : `; holding until below ${formatSeconds(holdingAboveClearMs)}`;
  const below = corroboration
    ? `; only ${corroboration.effectiveQuorum} of quorum ${corroboration.quorum} probes observe it: ` +
      `corroborated over ${corroboration.rounds} rounds, their other POPs healthy`
    : '';
  return `${describeObservation(worst, breaching)}${below}${hold}`;
}

export function describeStale(
  fresh: readonly ProbeView[],
  probes: readonly ProbeView[],
  settings: StatusSettings,
): string {
  const freshIds = new Set(fresh.map((p) => p.id));
  const silent = probes.filter((p) => !freshIds.has(p.id)).map((p) => p.id);
  const missing = silent.length ? ` (silent: ${silent.join(', ')})` : '';
  return `only ${fresh.length} of ${probes.length} probes reported within ${formatSeconds(settings.staleAfterMs)}, ${settings.minFreshProbes} needed${missing}`;
}

/** Probe-supplied text in a reason: enough for a provider's error sentence, short enough for one line. */
const MAX_PROBE_TEXT = 300;

export function describeDegraded(writeFailing: readonly ProbeView[]): string {
  const first = writeFailing[0];
  // The error is the probe's text: plain, bounded, whatever an old or hostile probe sent.
  const error = first?.lastWriteError ? `: ${plainText(first.lastWriteError, MAX_PROBE_TEXT)}` : '';
  return `canary writes failing on ${listProbes(writeFailing.map((p) => p.id))}${error}`;
}

const MAX_LISTED_BREACHES = 3;

export function describeOk(
  worst: Observation | null,
  fresh: number,
  expected: number,
  breaches: readonly PopBreach[],
  quorum: number,
  coverage: Coverage | null = null,
): string {
  const probes = `${fresh} of ${expected} probes fresh`;
  if (!worst) return `no propagation data; ${probes}`;
  const blind = coverage && coverage.missing.length > 0 ? `; ${describeCoverage(coverage)}` : '';
  return `worst ${describeObservation(worst, [worst.probe])}; ${probes}${describeBelowQuorum(breaches, quorum)}${blind}`;
}

const MAX_LISTED_BLIND = 5;

/** "coverage 12 of 14 POPs (86%), blind to AMS, MAD": the POPs the status cannot speak for. */
function describeCoverage(coverage: Coverage): string {
  const percent = Math.floor((coverage.ratio ?? 0) * 100);
  const listed = coverage.missing.slice(0, MAX_LISTED_BLIND).join(', ');
  const more =
    coverage.missing.length > MAX_LISTED_BLIND ? ` and ${coverage.missing.length - MAX_LISTED_BLIND} more` : '';
  return `coverage ${coverage.observed} of ${coverage.expected} POPs (${percent}%), blind to ${listed}${more}`;
}

/** The degraded reason when fewer than `minCoverage` of the expected POPs are observed. */
export function describeBlind(coverage: Coverage, minCoverage: number): string {
  return `${describeCoverage(coverage)}: below status.minCoverage ${Math.round(minCoverage * 100)}%`;
}

/**
 * An ok that follows an alarm reads as a recovery: "LHR serving again after
 * 62 s; worst now NRT took 3.9 s (…) (probe p1); 3 of 3 probes fresh". `pop`
 * is the alarm's worst POP, `alarmMs` how long the alarm lasted.
 */
export function describeRecovery(pop: string | null, alarmMs: number): string {
  const after = `after ${Math.max(0, Math.round(alarmMs / 1000))} s`;
  return pop === null ? `alarm over ${after}` : `${pop} serving again ${after}`;
}

/** The recovery an ok reason starts with (describeRecovery's text), so later evaluations can keep telling it. */
export function recoveryIn(reason: string): string | null {
  return /^((?:\S+ serving again|alarm over) after \d+ s); worst now /.exec(reason)?.[1] ?? null;
}

/** An ok reason after a recovery: the recovery, then the worst figure now. */
export function describeRecovered(
  recovery: string,
  worst: Observation,
  fresh: number,
  expected: number,
  coverage: Coverage | null = null,
): string {
  const blind = coverage && coverage.missing.length > 0 ? `; ${describeCoverage(coverage)}` : '';
  return `${recovery}; worst now ${describeObservation(worst, [worst.probe])}; ${fresh} of ${expected} probes fresh${blind}`;
}

/** "; below quorum 2: LHR seen by probe p1, SIN seen by probe p2": breaches that one probe alone cannot confirm. */
function describeBelowQuorum(breaches: readonly PopBreach[], quorum: number): string {
  if (breaches.length === 0) return '';
  const listed = breaches
    .slice(0, MAX_LISTED_BREACHES)
    .map((breach) => `${breach.pop} seen by ${listProbes(breach.probes)}`);
  const more = breaches.length > MAX_LISTED_BREACHES ? ` and ${breaches.length - MAX_LISTED_BREACHES} more POPs` : '';
  return `; below quorum ${quorum}: ${listed.join(', ')}${more}`;
}
