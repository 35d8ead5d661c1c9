/**
 * Turns stored rounds into per-(probe, POP) observations with one comparable
 * number each, `ms`: how late the POP served the serial, or at least how late.
 *
 * - propagated: the midpoint estimate; [lowerMs, upperMs] is the error bar.
 * - timeout: `lowerMs` (= the probe's maxWaitMs), a censored value: the true
 *   time is at least that, possibly infinite. The alarm compares it as
 *   +Infinity (worst-case.ts `alarmFigure`): a timeout is always a breach.
 * - pending / failing in a running round: a lower bound that keeps growing.
 *   The probe's times are on its own monotonic clock relative to the write
 *   ack, so the aggregator cannot know "now" on that clock; it extrapolates
 *   with its own elapsed time since the report arrived:
 *   `lowerMs + (now - receivedAt)`. That is a true lower bound as long as the
 *   POP is still missing, which the next progress report confirms or corrects
 *   (a report replaces the round, so an overshoot lasts at most one progress
 *   interval). Extrapolation stops `maxExtrapolationMs` (config
 *   `status.maxExtrapolationMs`, a few progress periods) after the round's last
 *   report: past that the probe is silent — dead, cut off, or its reports are
 *   being refused (503 while the aggregator's disk is full) — and nobody knows
 *   whether the POP is still missing. A bound that kept growing would turn
 *   silence into an alarm against a POP that may be fine; silence is `stale`.
 * - rerouted / unreachable (anycast, issue 15): no observation at all. A
 *   rerouted instance was left by the catchment before it was seen serving:
 *   its bound says where the probe stopped looking, not how late the POP is.
 *   An unreachable target answered nothing: the probe lost sight of it. Both
 *   are loss of observation (coverage, coverage.ts), never a propagation figure:
 *   not a breach, not a carried-over stuck figure, not a healthy vote either.
 */
import type { PopResult, PopState } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { isWorse } from './worst-case.js';

export type ObservationKind = 'measured' | 'lower-bound' | 'censored';

export interface Observation {
  probe: string;
  pop: string;
  target: string;
  /** The configured target it came through when that is not the POP itself (an anycast address: ns1). */
  via?: string;
  roundId: string;
  serial: string;
  state: PopState;
  kind: ObservationKind;
  /** Best single figure for "how late", in ms. */
  ms: number;
  lowerMs: number;
  /** Upper end of the error bar; only for measured observations. */
  upperMs?: number;
}

/** A finished POP's figure: the estimate when it propagated (the midpoint if none was sent), else its lower bound. */
export function finishedFigure(pop: PopResult): number {
  if (pop.state !== 'propagated') return pop.lowerMs;
  return pop.estimateMs ?? (pop.lowerMs + (pop.upperMs ?? pop.lowerMs)) / 2;
}

export function observePop(round: StoredRound, pop: PopResult, now: number, maxExtrapolationMs: number): Observation {
  const base = {
    probe: round.probe.id,
    pop: pop.pop,
    target: pop.target,
    ...(pop.via !== undefined && pop.via !== pop.pop ? { via: pop.via } : {}),
    roundId: round.id,
    serial: round.serial,
    state: pop.state,
    lowerMs: pop.lowerMs,
  };
  if (pop.state === 'propagated') {
    return { ...base, kind: 'measured', ms: finishedFigure(pop), upperMs: pop.upperMs ?? pop.lowerMs };
  }
  if (pop.state === 'timeout') return { ...base, kind: 'censored', ms: pop.lowerMs };
  const grown = round.state === 'running' ? Math.min(Math.max(0, now - round.receivedAt), maxExtrapolationMs) : 0;
  return { ...base, kind: 'lower-bound', ms: pop.lowerMs + grown };
}

/** Whether a result is a propagation figure: rerouted and unreachable are loss of observation (file comment). */
export function isPropagationFigure(pop: PopResult): boolean {
  return pop.state !== 'rerouted' && pop.state !== 'unreachable';
}

/** Every POP observation of a round (none for write_failed rounds: nothing was measured). */
export function observeRound(round: StoredRound, now: number, maxExtrapolationMs: number): Observation[] {
  if (round.state === 'write_failed') return [];
  return round.pops.filter(isPropagationFigure).map((pop) => observePop(round, pop, now, maxExtrapolationMs));
}

/**
 * What a probe currently says about each POP. While a new round is running, a
 * POP it has not resolved yet keeps the value the previous complete round gave
 * it when that is worse (isWorse: a timeout always is): a POP that timed out
 * stays in breach until a round shows it serving again. Without this carry-over every new
 * round would start all POPs at "pending, 0 s" and a stuck POP would flap the
 * alarm off at each round start.
 */
export function observeProbe(
  latest: StoredRound,
  previousComplete: StoredRound | null,
  now: number,
  maxExtrapolationMs: number,
): Observation[] {
  const current = observeRound(latest, now, maxExtrapolationMs);
  if (latest.state !== 'running' || !previousComplete) return current;
  const before = new Map(observeRound(previousComplete, now, maxExtrapolationMs).map((o) => [o.pop, o]));
  return current.map((observation) => {
    if (observation.kind !== 'lower-bound') return observation;
    const prior = before.get(observation.pop);
    return prior && isWorse(prior, observation) ? prior : observation;
  });
}
