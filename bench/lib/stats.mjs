/** Order statistics and number formatting shared by every benchmark. */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);

/** Fixed-point with thousands separators; '—' for missing figures. */
export function fmt(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Error statistics of interval observations `{lowerMs, upperMs, estimateMs, truthMs}`. */
export function scoreObservations(observations) {
  const covered = observations.filter((o) => o.truthMs >= o.lowerMs && o.truthMs <= o.upperMs).length;
  const errors = observations.map((o) => Math.abs(o.estimateMs - o.truthMs));
  return {
    count: observations.length,
    coverage: observations.length ? covered / observations.length : Number.NaN,
    medianErrorMs: median(errors),
    p99ErrorMs: percentile(errors, 99),
    maxErrorMs: errors.length ? Math.max(...errors) : Number.NaN,
  };
}
