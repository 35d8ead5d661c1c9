/**
 * Percentiles from a rollup cell's histogram, interpolated linearly inside
 * the bucket that holds the rank (as Prometheus' histogram_quantile does),
 * with the bucket's edges clamped to the cell's real min and max: exact at
 * p0 and p100, and never a value outside what was observed. The error is at
 * most the width of one bucket (e.g. 10–15 s); raw reads give exact
 * nearest-rank percentiles instead.
 */
import { ROLLUP_BOUNDS_MS, type RollupCell } from './rollup-cell.js';

/** The `p`-th percentile (0 < p <= 100) of the cell's figures, or null for an empty cell. */
export function histogramPercentile(cell: RollupCell, p: number): number | null {
  if (cell.count === 0) return null;
  const rank = (p / 100) * cell.count;
  let below = 0;
  for (let i = 0; i < cell.histogram.length; i++) {
    const inBucket = cell.histogram[i]!;
    if (inBucket === 0 || below + inBucket < rank) {
      below += inBucket;
      continue;
    }
    const lower = Math.max(i === 0 ? 0 : ROLLUP_BOUNDS_MS[i - 1]!, cell.minMs);
    const upper = Math.min(i < ROLLUP_BOUNDS_MS.length ? ROLLUP_BOUNDS_MS[i]! : cell.maxMs, cell.maxMs);
    return lower + (upper - lower) * Math.min(1, Math.max(0, (rank - below) / inBucket));
  }
  return cell.maxMs;
}

export interface CellFigures {
  count: number;
  timeouts: number;
  minMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
  lowMs: number | null;
  highMs: number | null;
}

/** What a reader wants from a cell; every figure null when it is empty. */
export function cellFigures(cell: RollupCell): CellFigures {
  const empty = cell.count === 0;
  return {
    count: cell.count,
    timeouts: cell.timeouts,
    minMs: empty ? null : cell.minMs,
    p50Ms: histogramPercentile(cell, 50),
    p90Ms: histogramPercentile(cell, 90),
    p99Ms: histogramPercentile(cell, 99),
    maxMs: empty ? null : cell.maxMs,
    meanMs: empty ? null : cell.sumMs / cell.count,
    lowMs: empty ? null : cell.lowMs,
    highMs: empty ? null : cell.highMs,
  };
}
