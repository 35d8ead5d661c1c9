/**
 * The alarm state machine, as a pure function of the previous status, what is
 * known about each probe, the settings and the time.
 *
 * Precedence: alarm > stale > degraded > ok.
 * - alarm: some POP is seen over the threshold by at least `quorum` distinct
 *   probes (quorum is per POP, see pop-breaches.ts). A timeout (not served
 *   within the probe's wait) is over any threshold. Missing data from other
 *   probes does not weaken that evidence, so it wins over stale/degraded.
 * - stale: fewer than `minFreshProbes` probes reported within `staleAfterMs`.
 *   Missing data is never `ok`.
 * - degraded: enough probes report, but too few can still measure because
 *   their last `degradedAfterWriteFailures` rounds all failed to write.
 * - stale also when probes report but nothing was measured in the window.
 * Hysteresis: once in alarm, a POP stays in breach while at least `quorum`
 * probes still see it at or above `clearBelowMs`; the alarm clears when no POP
 * is (with quorum 1 that is exactly "worst < clearBelowMs").
 */
import type { AlarmState, Status } from '@propwatch/shared';
import { type Observation, observeProbe } from '../analysis/observations.js';
import { alarmFigure, findWorst } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';
import { type PopBreach, countProbesAbove, findPopBreaches } from './pop-breaches.js';
import {
  describeAlarm,
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
}

/** The status from scratch: every probe's observations are computed anew. */
export function evaluateStatus(
  previous: Status | null,
  probes: readonly ProbeView[],
  settings: StatusSettings,
  now: number,
): StatusEvaluation {
  const observations = observeCurrent(probes, settings, now);
  return decideStatus(previous, probes, settings, now, {
    observations: () => observations,
    worst: findWorst(observations),
    candidates: observations,
  });
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
): StatusEvaluation {
  const { worst, candidates } = figures;
  const holding = previous?.state === 'alarm';
  // A timeout's figure is +Infinity: it is over both thresholds whatever the probe's maxWaitMs (worst-case.ts).
  const over = (o: Observation) =>
    holding ? alarmFigure(o) >= settings.clearBelowMs : alarmFigure(o) > settings.alarmAboveMs;
  const breaches = findPopBreaches(candidates, over);
  const alarm = breaches.find((breach) => breach.probes.length >= settings.quorum) ?? null;
  const fresh = probes.filter((p) => p.lastReportAt !== null && p.lastReportAt >= now - settings.staleAfterMs);
  const writeFailing = fresh.filter((p) => p.consecutiveWriteFailures >= settings.degradedAfterWriteFailures);

  let state: AlarmState;
  let reason: string;
  if (alarm) {
    state = 'alarm';
    // Held only by hysteresis when the POP would not raise an alarm from ok.
    const held = holding && countProbesAbove(candidates, alarm.pop, settings.alarmAboveMs) < settings.quorum;
    reason = describeAlarm(alarm.worst, alarm.probes, held ? settings.clearBelowMs : null);
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
  } else {
    state = 'ok';
    const recovery = recoveryOf(previous, now, settings.windowMs);
    reason = recovery
      ? describeRecovered(recovery, worst, fresh.length, probes.length)
      : describeOk(worst, fresh.length, probes.length, breaches, settings.quorum);
  }
  const nowIso = new Date(now).toISOString();
  return {
    status: {
      state,
      since: previous && previous.state === state ? previous.since : nowIso,
      worstMs: worst ? worst.ms : null,
      thresholdMs: settings.alarmAboveMs,
      worst: worst ? { probe: worst.probe, pop: worst.pop } : null,
      probes: { fresh: fresh.length, expected: probes.length },
      reason,
      updatedAt: nowIso,
    },
    worst,
    get observations() {
      return figures.observations();
    },
    alarmPop: alarm?.pop ?? null,
    breaching: alarm?.probes ?? [],
    breaches,
  };
}
