/**
 * The alarm state machine, as a pure function of the previous status, what is
 * known about each probe, the settings and the time.
 *
 * Precedence: alarm > stale > degraded > ok.
 * - alarm needs positive evidence from `quorum` probes, and missing data from
 *   other probes does not weaken it, so it wins over stale/degraded.
 * - stale: fewer than `minFreshProbes` probes reported within `staleAfterMs`.
 *   Missing data is never `ok`.
 * - degraded: enough probes report, but too few can still measure because
 *   their last `degradedAfterWriteFailures` rounds all failed to write.
 * - stale also when probes report but nothing was measured in the window.
 * Hysteresis: once in alarm, it holds while at least `quorum` probes still see
 * a POP at or above `clearBelowMs`; it clears when fewer do (with quorum 1 that
 * is exactly "worst < clearBelowMs").
 */
import type { AlarmState, Status } from '@propwatch/shared';
import { type Observation, observeProbe } from '../analysis/observations.js';
import { findWorst, worstPerProbe } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';
import { describeAlarm, describeDegraded, describeOk, describeStale, formatSeconds } from './reason.js';

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
  windowMs: number;
  degradedAfterWriteFailures: number;
}

export interface StatusEvaluation {
  status: Status;
  worst: Observation | null;
  /** Probes whose latest round in the window breaches the threshold in force. */
  breaching: string[];
}

export function evaluateStatus(previous: Status | null, probes: readonly ProbeView[], settings: StatusSettings, now: number): StatusEvaluation {
  const observations = probes.flatMap((probe) => {
    const round = probe.latestMeasured;
    if (!round || round.receivedAt < now - settings.windowMs) return [];
    const previous = probe.previousComplete && probe.previousComplete.receivedAt >= now - settings.windowMs ? probe.previousComplete : null;
    return observeProbe(round, previous, now, settings.staleAfterMs);
  });
  const worst = findWorst(observations);
  const perProbe = worstPerProbe(observations);
  const holding = previous?.state === 'alarm';
  const over = (o: Observation) => (holding ? o.ms >= settings.clearBelowMs : o.ms > settings.alarmAboveMs);
  const breaching = [...perProbe.values()].filter(over).map((o) => o.probe).sort();
  const fresh = probes.filter((p) => p.lastReportAt !== null && p.lastReportAt >= now - settings.staleAfterMs);
  const writeFailing = fresh.filter((p) => p.consecutiveWriteFailures >= settings.degradedAfterWriteFailures);

  let state: AlarmState;
  let reason: string;
  if (breaching.length >= settings.quorum) {
    state = 'alarm';
    const worstBreach = findWorst(observations.filter((o) => breaching.includes(o.probe)))!;
    reason = describeAlarm(worstBreach, breaching, holding && worstBreach.ms <= settings.alarmAboveMs ? settings.clearBelowMs : null);
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
    reason = describeOk(worst, fresh.length, probes.length, breaching);
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
    breaching,
  };
}
