/**
 * The alarm state machine, as a pure function of the previous status, what is
 * known about each probe, the settings and the time.
 *
 * Precedence: alarm > stale > degraded > ok.
 * - alarm: some POP is seen over the threshold by at least `quorum` distinct
 *   probes (quorum is per POP, see pop-breaches.ts), or by fewer when fewer
 *   probes observe that POP at all and the breach is corroborated (quorum
 *   under anycast, pop-quorum.ts). A timeout (not served within the probe's
 *   wait) is over any threshold. Missing data from other probes does not
 *   weaken that evidence, so it wins over stale/degraded.
 * - stale: fewer than `minFreshProbes` probes reported within `staleAfterMs`.
 *   Missing data is never `ok`.
 * - degraded: enough probes report, but too few can still measure because
 *   their last `degradedAfterWriteFailures` rounds all failed to write.
 * - stale also when probes report but nothing was measured in the window.
 * - degraded also when `minCoverage` is set and fewer than that share of the
 *   expected POPs is observed by fresh probes (coverage.ts): the status cannot
 *   speak for blind POPs. An alarm, too few fresh probes, failing writes and
 *   no data at all take precedence (they say more about what is wrong).
 * Hysteresis: once in alarm, a POP stays in breach while at least `quorum`
 * probes still see it at or above `clearBelowMs`; the alarm clears when no POP
 * is (with quorum 1 that is exactly "worst < clearBelowMs").
 */
import type { AlarmState, Status } from '@propwatch/shared';
import { type Observation, observeProbe } from '../analysis/observations.js';
import { alarmFigure, findWorst } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';
import { type PopBreach, findPopBreaches, probesAbove } from './pop-breaches.js';
import {
  type Coverage,
  type ExpectedSource,
  MISSING_IN_STATUS,
  NOTHING_EXPECTED,
  measureCoverage,
} from '../catchments/coverage.js';
import { PopQuorum } from './pop-quorum.js';
import {
  describeAlarm,
  describeBlind,
  describeDegraded,
  describeOk,
  describeRecovered,
  describeRecovery,
  describeStale,
  formatSeconds,
  recoveryIn,
} from './reason.js';

export interface ProbeView {
  id: string;
  /** Aggregator clock (ms) of the probe's last accepted report, null if never. */
  lastReportAt: number | null;
  /** Latest round that measured something (not write_failed). */
  latestMeasured: StoredRound | null;
  /** The latest complete round before `latestMeasured`; its POPs stand in for ones the running round has not resolved yet. */
  previousComplete?: StoredRound | null;
  /**
   * The probe's newest complete rounds, newest first (at most MAX_SINGLE_OBSERVER_ROUNDS): how long a breach
   * seen by fewer probes than the quorum has lasted (pop-quorum.ts).
   */
  recentComplete?: readonly StoredRound[];
  consecutiveWriteFailures: number;
  lastWriteError?: string | undefined;
}

export interface StatusSettings {
  alarmAboveMs: number;
  clearBelowMs: number;
  quorum: number;
  minFreshProbes: number;
  staleAfterMs: number;
  /** How far past a running round's last report its pending lower bounds keep growing. */
  maxExtrapolationMs: number;
  windowMs: number;
  degradedAfterWriteFailures: number;
  /** Rounds a breach below the configured quorum must last to count (pop-quorum.ts); default 2. */
  singleObserverRounds?: number;
  /** Share (0–1) of the expected POPs fresh probes must observe, else `degraded`; 0 or absent: off. */
  minCoverage?: number;
}

export interface StatusEvaluation {
  status: Status;
  /** The worst of `observations` (what `status.worst` names). */
  worst: Observation | null;
  /** What each probe currently says about each POP: the figures the status is computed from. */
  observations: Observation[];
  /** The POP in alarm (the worst one if several reach quorum), else null. */
  alarmPop: string | null;
  /** The probes that see `alarmPop` over the threshold in force, sorted; empty when not in alarm. */
  breaching: string[];
  /** Every POP some probe sees over the threshold in force, worst first (including those below quorum). */
  breaches: PopBreach[];
  /**
   * The POPs the alarm is raised on, worst first, each with its confirming probes: every breach the quorum rule
   * confirms (at quorum, or corroborated below it: pop-quorum.ts). Empty unless the state is alarm.
   */
  readonly alarmBreaches: PopBreach[];
  /**
   * The quorum worst in ms (propwatch_propagation_worst_seconds): over alarmAboveMs exactly when a POP would
   * raise the alarm, at or over clearBelowMs exactly when one would hold it; null without a figure (pop-quorum.ts).
   */
  readonly quorumWorstMs: number | null;
  /** Which expected POPs fresh probes observe, and through which probes (coverage.ts). */
  coverage: Coverage;
}

/**
 * What each probe currently says about each POP: its latest measured round in
 * the window, with POPs a running round has not resolved yet carried over from
 * the previous complete round. The status, `/api/v1/pops` and the worst case of
 * `/api/v1/propagation` all use these figures.
 */
export function observeCurrent(
  probes: readonly ProbeView[],
  settings: Pick<StatusSettings, 'windowMs' | 'maxExtrapolationMs'>,
  now: number,
): Observation[] {
  const since = now - settings.windowMs;
  return probes.flatMap((probe) => {
    const round = probe.latestMeasured;
    if (!round || round.receivedAt < since) return [];
    const previous =
      probe.previousComplete && probe.previousComplete.receivedAt >= since ? probe.previousComplete : null;
    return observeProbe(round, previous, now, settings.maxExtrapolationMs);
  });
}

/**
 * What the status is computed from, however it was gathered: from scratch
 * (evaluateStatus) or from per-probe figures kept between evaluations
 * (ObservationCache, used by the StatusTracker).
 */
export interface ObservedFigures {
  /** Every observation, probe by probe in view order (may be built on first use). */
  observations: () => Observation[];
  /** The worst of them: the first of the largest, as findWorst picks it. */
  worst: Observation | null;
  /** At least every observation over `clearBelowMs` or `alarmAboveMs`, in the order of `observations`. */
  candidates: readonly Observation[];
  /** One probe's observations (empty if none). */
  ofProbe: (probe: string) => readonly Observation[];
  /** Whether a probe has an observation of a POP. */
  observes: (probe: string, pop: string) => boolean;
}

/** The status from scratch: every probe's observations are computed anew. */
export function evaluateStatus(
  previous: Status | null,
  probes: readonly ProbeView[],
  settings: StatusSettings,
  now: number,
  expected: ExpectedSource = NOTHING_EXPECTED,
): StatusEvaluation {
  const observations = observeCurrent(probes, settings, now);
  const byProbe = new Map<string, Observation[]>();
  for (const o of observations) {
    const list = byProbe.get(o.probe) ?? [];
    list.push(o);
    byProbe.set(o.probe, list);
  }
  return decideStatus(
    previous,
    probes,
    settings,
    now,
    {
      observations: () => observations,
      worst: findWorst(observations),
      candidates: observations,
      ofProbe: (probe) => byProbe.get(probe) ?? [],
      observes: (probe, pop) => byProbe.get(probe)?.some((o) => o.pop === pop) ?? false,
    },
    expected,
  );
}

/**
 * The recovery an ok tells: the alarm just ended, or it ended less than a
 * window ago (the status is polled: a recovery told for one evaluation only
 * would reach no beacon and no dashboard). After that an ok reads as any ok.
 */
function recoveryOf(previous: Status | null, now: number, windowMs: number): string | null {
  if (previous?.state === 'alarm')
    return describeRecovery(previous.worst?.pop ?? null, now - Date.parse(previous.since));
  if (previous?.state === 'ok' && now - Date.parse(previous.since) < windowMs) return recoveryIn(previous.reason);
  return null;
}

/** The state machine over figures already gathered (see ObservedFigures). */
export function decideStatus(
  previous: Status | null,
  probes: readonly ProbeView[],
  settings: StatusSettings,
  now: number,
  figures: ObservedFigures,
  expected: ExpectedSource = NOTHING_EXPECTED,
): StatusEvaluation {
  const { worst, candidates } = figures;
  const holding = previous?.state === 'alarm';
  const quorum = new PopQuorum(
    { ...settings, singleObserverRounds: settings.singleObserverRounds ?? 2 },
    { views: new Map(probes.map((p) => [p.id, p])), observationsOf: figures.ofProbe, observes: figures.observes },
    now,
  );
  // A timeout's figure is +Infinity: it is over both thresholds whatever the probe's maxWaitMs (worst-case.ts).
  const overFigure = (figure: number) => (holding ? figure >= settings.clearBelowMs : figure > settings.alarmAboveMs);
  const breaches = findPopBreaches(candidates, (o) => overFigure(alarmFigure(o)));
  let alarm: PopBreach | null = null;
  for (const breach of breaches) {
    const confirming = quorum.confirming(breach.pop, breach.probes, overFigure);
    if (confirming.length > 0) {
      alarm = { ...breach, probes: confirming };
      break;
    }
  }
  const fresh = probes.filter((p) => p.lastReportAt !== null && p.lastReportAt >= now - settings.staleAfterMs);
  const writeFailing = fresh.filter((p) => p.consecutiveWriteFailures >= settings.degradedAfterWriteFailures);
  const coverage = measureCoverage(
    fresh.map((p) => p.id),
    figures.ofProbe,
    expected,
  );
  const minCoverage = settings.minCoverage ?? 0;

  let state: AlarmState;
  let reason: string;
  if (alarm) {
    state = 'alarm';
    // Held only by hysteresis when the POP would not raise an alarm from ok.
    const above = probesAbove(candidates, alarm.pop, settings.alarmAboveMs);
    const held = holding && quorum.confirming(alarm.pop, above, (f) => f > settings.alarmAboveMs).length === 0;
    const effectiveQuorum = quorum.effectiveQuorum(alarm.pop);
    const corroboration =
      effectiveQuorum < settings.quorum
        ? { effectiveQuorum, quorum: settings.quorum, rounds: settings.singleObserverRounds ?? 2 }
        : null;
    reason = describeAlarm(alarm.worst, alarm.probes, held ? settings.clearBelowMs : null, corroboration);
  } else if (fresh.length < settings.minFreshProbes) {
    state = 'stale';
    reason = describeStale(fresh, probes, settings);
  } else if (fresh.length - writeFailing.length < settings.minFreshProbes) {
    state = 'degraded';
    reason = describeDegraded(writeFailing);
  } else if (!worst) {
    // Probes talk but nothing was measured in the window (only failed writes so far, or empty rounds).
    state = 'stale';
    reason = `no propagation data in the last ${formatSeconds(settings.windowMs)} although ${fresh.length} probes report`;
  } else if (coverage.ratio !== null && coverage.ratio < minCoverage) {
    state = 'degraded';
    reason = describeBlind(coverage, minCoverage);
  } else {
    state = 'ok';
    const recovery = recoveryOf(previous, now, settings.windowMs);
    reason = recovery
      ? describeRecovered(recovery, worst, fresh.length, probes.length, coverage)
      : describeOk(worst, fresh.length, probes.length, breaches, settings.quorum, coverage);
  }
  const nowIso = new Date(now).toISOString();
  let alarmBreaches: PopBreach[] | undefined;
  let quorumWorst: { ms: number | null } | undefined;
  return {
    status: {
      state,
      since: previous && previous.state === state ? previous.since : nowIso,
      worstMs: worst ? worst.ms : null,
      thresholdMs: settings.alarmAboveMs,
      worst: worst ? { probe: worst.probe, pop: worst.pop } : null,
      probes: { fresh: fresh.length, expected: probes.length },
      reason,
      coverage: {
        basis: coverage.basis,
        observed: coverage.observed,
        expected: coverage.expected,
        missing: coverage.missing.slice(0, MISSING_IN_STATUS),
      },
      updatedAt: nowIso,
    },
    worst,
    get observations() {
      return figures.observations();
    },
    alarmPop: alarm?.pop ?? null,
    breaching: alarm?.probes ?? [],
    breaches,
    coverage,
    get alarmBreaches() {
      return (alarmBreaches ??=
        state === 'alarm'
          ? breaches.flatMap((breach) => {
              const confirming = quorum.confirming(breach.pop, breach.probes, overFigure);
              return confirming.length > 0 ? [{ ...breach, probes: confirming }] : [];
            })
          : []);
    },
    get quorumWorstMs() {
      return (quorumWorst ??= { ms: quorum.worstMs(figures.observations()) }).ms;
    },
  };
}
