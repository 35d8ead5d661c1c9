/** Nearest-rank percentiles: every reported figure is a value that was actually observed. */

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** The nearest-rank percentile `p` (0 < p <= 100) of ascending `sorted`. */
export function percentileOf(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function computePercentiles(values: readonly number[]): Percentiles {
  // A typed array sorts numerically without a comparator call per comparison (several times faster).
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentileOf(sorted, 50),
    p90: percentileOf(sorted, 90),
    p99: percentileOf(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}
