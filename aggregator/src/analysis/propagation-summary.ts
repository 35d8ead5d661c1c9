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
    overall: summarizeGroup(observations),
    perPop: groupBy(observations, (o) => o.pop).map(([key, list]) => ({ key, ...summarizeGroup(list) })),
    perProbe: groupBy(observations, (o) => o.probe).map(([key, list]) => ({ key, ...summarizeGroup(list) })),
    slowest: findWorst(observations),
    worstCase: findWorst(options.current),
  };
}

/** Rounds observed between two turns in summarizePropagationInSteps. */
const ROUNDS_PER_STEP = 50;

/**
 * The same summary, computed in steps with `turn()` between them: a window of thousands of POP results would
 * otherwise be one long computation on the event loop.
 */
export async function summarizePropagationInSteps(
  rounds: readonly StoredRound[],
  options: SummaryOptions,
  turn: () => Promise<void>,
): Promise<PropagationSummary> {
  const { now, windowMs, maxExtrapolationMs } = options;
  const inWindow = rounds.filter((round) => round.receivedAt >= now - windowMs);
  const observations: Observation[] = [];
  for (let start = 0; start < inWindow.length; start += ROUNDS_PER_STEP) {
    await turn();
    for (const round of inWindow.slice(start, start + ROUNDS_PER_STEP))
      observations.push(...observeRound(round, now, maxExtrapolationMs));
  }
  await turn();
  const overall = summarizeGroup(observations);
  const summarize = async (keyOf: (o: Observation) => string) => {
    const groups: GroupSummary[] = [];
    for (const [key, list] of groupBy(observations, keyOf)) {
      await turn();
      groups.push({ key, ...summarizeGroup(list) });
    }
    return groups;
  };
  const perPop = await summarize((o) => o.pop);
  const perProbe = await summarize((o) => o.probe);
  await turn();
  return {
    windowMs,
    rounds: inWindow.length,
    overall,
    perPop,
    perProbe,
    slowest: findWorst(observations),
    worstCase: findWorst(options.current),
  };
}

function summarizeGroup(observations: readonly Observation[]): Percentiles & { timeouts: number; pending: number } {
  let timeouts = 0;
  let pending = 0;
  for (const o of observations) {
    if (o.kind === 'censored') timeouts += 1;
    else if (o.kind === 'lower-bound') pending += 1;
  }
  return { ...computePercentiles(observations.map((o) => o.ms)), timeouts, pending };
}

/** Observations grouped by key, keys in order. */
function groupBy(observations: readonly Observation[], keyOf: (o: Observation) => string): [string, Observation[]][] {
  const groups = new Map<string, Observation[]>();
  for (const observation of observations) {
    const key = keyOf(observation);
    const list = groups.get(key);
    if (list) list.push(observation);
    else groups.set(key, [observation]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}
