/**
 * A history from the rollups, in columns: `at` holds the start of every step
 * of the window — steps without data included — and each series (one per
 * probe, per POP, or one for everything) has one value per step in each
 * figure array: count 0 and nulls where there was no data, so a chart draws
 * gaps instead of joining distant points. Percentiles are bucket-interpolated;
 * [lowMs, highMs] is the envelope of the measurement intervals (the error bar).
 */
import { type CellFigures, cellFigures } from '../rollup/histogram-percentile.js';
import type { RollupLevel, RollupPlan } from '../rollup/rollup-plan.js';
import type { RollupGroup } from '../storage/rollup-sql.js';
import type { RoundStore } from '../storage/round-store.js';

type FigureColumns = { [K in keyof CellFigures]: CellFigures[K][] };

export interface HistorySeries extends FigureColumns {
  probe: string | null;
  pop: string | null;
}

export interface RollupHistory {
  level: RollupLevel;
  stepMs: number;
  from: number;
  to: number;
  by: Exclude<RollupGroup, 'series'>;
  at: number[];
  series: HistorySeries[];
}

const FIELDS: readonly (keyof CellFigures)[] = [
  'count',
  'timeouts',
  'minMs',
  'p50Ms',
  'p90Ms',
  'p99Ms',
  'maxMs',
  'meanMs',
  'lowMs',
  'highMs',
];

function emptySeries(probe: string | null, pop: string | null, points: number): HistorySeries {
  const series = { probe, pop } as HistorySeries;
  for (const field of FIELDS)
    (series[field] as (number | null)[]) = new Array<number | null>(points).fill(
      field === 'count' || field === 'timeouts' ? 0 : null,
    );
  return series;
}

export async function readRollupHistory(
  store: RoundStore,
  plan: RollupPlan,
  query: { by: Exclude<RollupGroup, 'series'>; probe?: string | undefined; pop?: string | undefined },
  turn: () => Promise<void>,
): Promise<RollupHistory> {
  const points = (plan.to - plan.from) / plan.stepMs;
  const bySeries = new Map<string, HistorySeries>();
  for (const slice of plan.slices) {
    await turn();
    const rows = await store.rollupCells({
      level: plan.level,
      group: query.by,
      origin: plan.from,
      stepMs: plan.stepMs,
      from: slice.from,
      to: slice.to,
      probe: query.probe,
      pop: query.pop,
    });
    for (const row of rows) {
      const key = `${row.probe ?? ''}\u0000${row.pop ?? ''}`;
      let series = bySeries.get(key);
      if (!series) {
        series = emptySeries(row.probe, row.pop, points);
        bySeries.set(key, series);
      }
      const index = (row.at - plan.from) / plan.stepMs;
      const values = cellFigures(row.cell);
      for (const field of FIELDS) (series[field] as (number | null)[])[index] = values[field];
    }
  }
  return {
    level: plan.level,
    stepMs: plan.stepMs,
    from: plan.from,
    to: plan.to,
    by: query.by,
    at: Array.from({ length: points }, (_, i) => plan.from + i * plan.stepMs),
    series: [...bySeries.values()].sort(
      (a, b) => (a.probe ?? '').localeCompare(b.probe ?? '') || (a.pop ?? '').localeCompare(b.pop ?? ''),
    ),
  };
}
