/**
 * The propagation report over a window: percentiles overall, per POP and per
 * probe over every round in the window, the slowest (probe, POP) pair, and the
 * current worst case. The worst case is not recomputed from the rounds here:
 * it is the worst of the figures the status is evaluated from
 * (`StatusEvaluation.observations`, with the previous-round carry-over), so
 * `/api/v1/propagation`, `/api/v1/pops` and `/api/v1/status` always agree.
 */
import type { StoredRound } from '../storage/round-store.js';
import { type Observation, observeRound } from './observations.js';
import { type Percentiles, computePercentiles } from './percentiles.js';
import { findWorst } from './worst-case.js';

export interface GroupSummary extends Percentiles {
  key: string;
  timeouts: number;
  pending: number;
}

export interface PropagationSummary {
  windowMs: number;
  rounds: number;
  overall: Percentiles & { timeouts: number; pending: number };
  perPop: GroupSummary[];
  perProbe: GroupSummary[];
  slowest: Observation | null;
  worstCase: Observation | null;
}

export interface SummaryOptions {
  now: number;
  windowMs: number;
  maxExtrapolationMs: number;
  /** What each probe currently says about each POP, as the status evaluation computed it. */
  current: readonly Observation[];
}

export function summarizePropagation(rounds: readonly StoredRound[], options: SummaryOptions): PropagationSummary {
  const { now, windowMs, maxExtrapolationMs } = options;
  const inWindow = rounds.filter((round) => round.receivedAt >= now - windowMs);
  const observations = inWindow.flatMap((round) => observeRound(round, now, maxExtrapolationMs));
  return {
    windowMs,
    rounds: inWindow.length,
    overall: { ...computePercentiles(observations.map((o) => o.ms)), ...countCensored(observations) },
    perPop: summarizeGroups(observations, (o) => o.pop),
    perProbe: summarizeGroups(observations, (o) => o.probe),
    slowest: findWorst(observations),
    worstCase: findWorst(options.current),
  };
}

function countCensored(observations: readonly Observation[]): { timeouts: number; pending: number } {
  return {
    timeouts: observations.filter((o) => o.kind === 'censored').length,
    pending: observations.filter((o) => o.kind === 'lower-bound').length,
  };
}

function summarizeGroups(observations: readonly Observation[], keyOf: (o: Observation) => string): GroupSummary[] {
  const groups = new Map<string, Observation[]>();
  for (const observation of observations) {
    const key = keyOf(observation);
    const list = groups.get(key) ?? [];
    list.push(observation);
    groups.set(key, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => ({ key, ...computePercentiles(list.map((o) => o.ms)), ...countCensored(list) }));
}
