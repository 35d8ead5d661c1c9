import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { computePercentiles } from '../analysis/percentiles.js';
import { PROPAGATION_BUCKETS } from '../metrics/aggregator-metrics.js';
import { cellFigures, histogramPercentile } from './histogram-percentile.js';
import { ROLLUP_BOUNDS_MS, addResult, bucketOf, emptyCell, mergeCell } from './rollup-cell.js';
import { rollupLimits } from '../reads/read-limits.js';
import { LEVEL_MS, planHistory, planSummary } from './rollup-plan.js';

const cellOf = (values: readonly number[]) => {
  const cell = emptyCell();
  for (const ms of values) addResult(cell, { ms, lowerMs: ms - 5, upperMs: ms + 5, timedOut: false });
  return cell;
};

/** The bucket edges around a value: the interval a bucket-interpolated percentile may stray within. */
function bucketEdges(ms: number): [number, number] {
  const i = bucketOf(ms);
  return [i === 0 ? 0 : ROLLUP_BOUNDS_MS[i - 1]!, ROLLUP_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY];
}

describe('rollup cells', () => {
  test('the histogram bounds are the Prometheus histogram buckets, in ms', () => {
    expect(ROLLUP_BOUNDS_MS).toEqual(PROPAGATION_BUCKETS.map((s) => Math.round(s * 1000)));
  });

  test.each([
    [0, 0],
    [50, 0],
    [50.01, 1],
    [1_000, 4],
    [300_000, 13],
    [300_001, 14],
    [86_400_000, 14],
  ])('bucketOf(%d) = %d (a value on a bound is in that bound’s bucket)', (ms, bucket) => {
    expect(bucketOf(ms)).toBe(bucket);
  });

  test('merging cells is the cell of all their results', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 400_000, noNaN: true }), { maxLength: 50 }),
        fc.array(fc.double({ min: 0, max: 400_000, noNaN: true }), { maxLength: 50 }),
        (a, b) => {
          const merged = cellOf(a);
          mergeCell(merged, cellOf(b));
          const whole = cellOf([...a, ...b]);
          expect({ ...merged, sumMs: 0 }).toEqual({ ...whole, sumMs: 0 });
          expect(merged.sumMs).toBeCloseTo(whole.sumMs, 3);
        },
      ),
    );
  });

  test('a timed-out result counts, has no upper bound, and leaves highMs to the measured ones', () => {
    const cell = emptyCell();
    addResult(cell, { ms: 60_000, lowerMs: 60_000, upperMs: null, timedOut: true });
    expect(cellFigures(cell)).toMatchObject({ count: 1, timeouts: 1, maxMs: 60_000, lowMs: 60_000, highMs: null });
    addResult(cell, { ms: 900, lowerMs: 800, upperMs: 1_000, timedOut: false });
    expect(cellFigures(cell)).toMatchObject({ count: 2, timeouts: 1, minMs: 900, lowMs: 800, highMs: 1_000 });
  });
});

describe('bucket-interpolated percentiles', () => {
  test('an empty cell has none; p100 is the max and a single value is itself', () => {
    expect(histogramPercentile(emptyCell(), 50)).toBeNull();
    expect(histogramPercentile(cellOf([1_234]), 50)).toBe(1_234);
    expect(histogramPercentile(cellOf([10, 20_000, 7_000]), 100)).toBe(20_000);
  });

  test('stay within min and max, grow with p, and lie within the bucket of the exact nearest-rank value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 400_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const cell = cellOf(values);
          const exact = computePercentiles(values);
          let previous = Number.NEGATIVE_INFINITY;
          for (const p of [1, 10, 50, 90, 99, 100]) {
            const estimate = histogramPercentile(cell, p)!;
            expect(estimate).toBeGreaterThanOrEqual(cell.minMs);
            expect(estimate).toBeLessThanOrEqual(cell.maxMs);
            expect(estimate).toBeGreaterThanOrEqual(previous);
            previous = estimate;
          }
          for (const [p, value] of [
            [50, exact.p50],
            [90, exact.p90],
            [99, exact.p99],
          ] as const) {
            // The rank falls in the bucket of the exact (nearest-rank) value: the error is within that bucket.
            const [low, high] = bucketEdges(value!);
            const estimate = histogramPercentile(cell, p)!;
            expect(estimate).toBeGreaterThanOrEqual(low);
            expect(estimate).toBeLessThanOrEqual(high);
          }
        },
      ),
    );
  });
});

describe('rollup read plans', () => {
  const limits = rollupLimits(100_000);
  const now = Date.parse('2026-11-20T12:34:56.789Z');

  test.each([
    ['30 min', '1m', 60_000, 30 * 60_000],
    ['6 h', '1m', 60_000, 6 * 3_600_000],
    ['24 h', '10m', 600_000, 86_400_000],
    ['7 d', '10m', 1_800_000, 7 * 86_400_000],
    ['30 d', '1h', 7_200_000, 30 * 86_400_000],
  ])('a %s history of 3 probes × 14 POPs: %s cells, step %d ms', (_name, level, stepMs, windowMs) => {
    const result = planHistory(now, windowMs, { series: 42, groups: 3 }, limits);
    if (!result.ok) throw new Error(result.reason);
    const { plan } = result;
    expect([plan.level, plan.stepMs]).toEqual([level, stepMs]);
    expect(plan.from).toBeLessThanOrEqual(now - windowMs);
    expect(plan.to).toBeGreaterThan(now);
    expect((plan.to - plan.from) / plan.stepMs).toBeLessThanOrEqual(limits.maxPoints);
    expect(plan.rows).toBeLessThanOrEqual(limits.maxRows);
    // Slices tile [from, to) on step boundaries, each within the per-slice budget.
    expect(plan.slices[0]!.from).toBe(plan.from);
    expect(plan.slices.at(-1)!.to).toBe(plan.to);
    plan.slices.forEach((slice, i) => {
      if (i > 0) expect(slice.from).toBe(plan.slices[i - 1]!.to);
      expect((slice.from - plan.from) % plan.stepMs).toBe(0);
      expect(((slice.to - slice.from) / LEVEL_MS[plan.level]) * 42).toBeLessThanOrEqual(limits.rowsPerSlice);
    });
  });

  test('more series than the row budget allows: refused, naming the limit and what to narrow', () => {
    const result = planHistory(now, 30 * 86_400_000, { series: 14_000, groups: 1_000 }, limits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/limits\.readRows 100,000.*narrow it with probe= or pop=/);
  });

  test('a summary uses the finest cells that fit, else refuses', () => {
    const at = (windowMs: number, series: number) => {
      const result = planSummary(now, windowMs, series, limits);
      return result.ok ? result.plan.level : 'refused';
    };
    expect(at(86_400_000, 42)).toBe('1m');
    expect(at(7 * 86_400_000, 42)).toBe('10m');
    expect(at(30 * 86_400_000, 42)).toBe('1h');
    expect(at(30 * 86_400_000, 14_000)).toBe('refused');
  });
});
