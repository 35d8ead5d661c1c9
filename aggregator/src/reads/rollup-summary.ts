/**
 * The propagation summary of a long window from the rollups: per-series
 * cells of each slice merged into overall, per-POP and per-probe cells, with
 * bucket-interpolated percentiles; the round count per slice; and the slowest
 * result looked up in the one slice that holds it. Finished results only: a
 * round still running counts once it ends (the status covers what runs now).
 */
import { type Observation, observePop } from '../analysis/observations.js';
import { histogramPercentile } from '../rollup/histogram-percentile.js';
import { type RollupCell, emptyCell, mergeCell } from '../rollup/rollup-cell.js';
import type { RollupPlan, TimeSlice } from '../rollup/rollup-plan.js';
import type { RoundStore } from '../storage/round-store.js';

export interface SummaryFigures {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  timeouts: number;
  pending: number;
}

export interface RollupSummary {
  rounds: number;
  overall: SummaryFigures;
  perPop: (SummaryFigures & { key: string })[];
  perProbe: (SummaryFigures & { key: string })[];
  slowest: Observation | null;
}

function figures(cell: RollupCell): SummaryFigures {
  return {
    count: cell.count,
    p50: histogramPercentile(cell, 50),
    p90: histogramPercentile(cell, 90),
    p99: histogramPercentile(cell, 99),
    max: cell.count === 0 ? null : cell.maxMs,
    timeouts: cell.timeouts,
    pending: 0,
  };
}

function mergeInto(groups: Map<string, RollupCell>, key: string, cell: RollupCell): void {
  let into = groups.get(key);
  if (!into) {
    into = emptyCell();
    groups.set(key, into);
  }
  mergeCell(into, cell);
}

const byKey = (groups: Map<string, RollupCell>) =>
  [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, cell]) => ({ key, ...figures(cell) }));

export async function summarizeRollups(
  store: RoundStore,
  plan: RollupPlan,
  options: { now: number; maxExtrapolationMs: number; turn: () => Promise<void> },
): Promise<RollupSummary> {
  const overall = emptyCell();
  const perPop = new Map<string, RollupCell>();
  const perProbe = new Map<string, RollupCell>();
  let rounds = 0;
  let slowest: { ms: number; series: number; slice: TimeSlice } | null = null;
  for (const slice of plan.slices) {
    await options.turn();
    const rows = await store.rollupCells({
      level: plan.level,
      group: 'series',
      origin: slice.from,
      stepMs: slice.to - slice.from,
      from: slice.from,
      to: slice.to,
    });
    for (const { probe, pop, series, cell } of rows) {
      mergeCell(overall, cell);
      mergeInto(perPop, pop ?? '', cell);
      mergeInto(perProbe, probe ?? '', cell);
      if (series !== null && cell.count > 0 && (slowest === null || cell.maxMs > slowest.ms))
        slowest = { ms: cell.maxMs, series, slice };
    }
    rounds += await store.countRounds(slice.from, slice.to);
  }
  let observation: Observation | null = null;
  if (slowest) {
    await options.turn();
    const found = await store.slowestInRollup(plan.level, slowest.slice.from, slowest.slice.to, slowest.series);
    if (found) observation = observePop(found.round, found.pop, options.now, options.maxExtrapolationMs);
  }
  return { rounds, overall: figures(overall), perPop: byKey(perPop), perProbe: byKey(perProbe), slowest: observation };
}
