/**
 * One rollup cell: what a set of finished POP results (propagated or timed
 * out) add up to — count, timeouts, sum, min, max, the envelope of their
 * measurement intervals, and a fixed histogram over ROLLUP_BOUNDS_MS. Cells
 * merge by addition, so a minute, an hour or a whole window is the same
 * shape, and percentiles come from the histogram (bucket-interpolated).
 */

/**
 * Histogram bucket upper bounds in ms: the same bounds as the Prometheus histogram
 * `propwatch_propagation_seconds` (50 ms … 5 min), plus an overflow bucket. Stored per cell in migration 4's
 * columns h0…h14: changing them needs a new migration that recomputes every stored cell.
 */
export const ROLLUP_BOUNDS_MS: readonly number[] = Object.freeze([
  50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 180_000, 300_000,
]);
/** Buckets per cell: one per bound plus the overflow above the last. */
export const HISTOGRAM_SIZE = ROLLUP_BOUNDS_MS.length + 1;

export interface RollupCell {
  /** Finished POP results: propagated (the estimate) and timed out (censored at their lower bound). */
  count: number;
  /** Of those, timed out. */
  timeouts: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
  /** Lowest lower bound of any result: the true times all lie at or above it. */
  lowMs: number;
  /** Highest upper bound of the measured results (null when all timed out: no upper bound). */
  highMs: number | null;
  /** Counts per bucket: h[i] for figures in (bound[i-1], bound[i]], the last one above every bound. */
  histogram: number[];
}

export function emptyCell(): RollupCell {
  return {
    count: 0,
    timeouts: 0,
    sumMs: 0,
    minMs: Number.POSITIVE_INFINITY,
    maxMs: Number.NEGATIVE_INFINITY,
    lowMs: Number.POSITIVE_INFINITY,
    highMs: null,
    histogram: new Array<number>(HISTOGRAM_SIZE).fill(0),
  };
}

/** The bucket a figure falls in (Prometheus `le` semantics: a figure equal to a bound is in that bound's bucket). */
export function bucketOf(ms: number): number {
  const index = ROLLUP_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? ROLLUP_BOUNDS_MS.length : index;
}

/** Adds one finished result: its figure (`ms`), its interval and whether it timed out. */
export function addResult(
  cell: RollupCell,
  result: { ms: number; lowerMs: number; upperMs: number | null; timedOut: boolean },
): void {
  cell.count += 1;
  if (result.timedOut) cell.timeouts += 1;
  cell.sumMs += result.ms;
  cell.minMs = Math.min(cell.minMs, result.ms);
  cell.maxMs = Math.max(cell.maxMs, result.ms);
  cell.lowMs = Math.min(cell.lowMs, result.lowerMs);
  if (result.upperMs !== null) cell.highMs = Math.max(cell.highMs ?? result.upperMs, result.upperMs);
  cell.histogram[bucketOf(result.ms)]! += 1;
}

/** Adds `from` into `into`. */
export function mergeCell(into: RollupCell, from: RollupCell): void {
  into.count += from.count;
  into.timeouts += from.timeouts;
  into.sumMs += from.sumMs;
  into.minMs = Math.min(into.minMs, from.minMs);
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  into.lowMs = Math.min(into.lowMs, from.lowMs);
  if (from.highMs !== null) into.highMs = Math.max(into.highMs ?? from.highMs, from.highMs);
  for (let i = 0; i < HISTOGRAM_SIZE; i++) into.histogram[i]! += from.histogram[i]!;
}
