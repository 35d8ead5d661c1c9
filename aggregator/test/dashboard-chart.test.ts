/**
 * The chart's columns (public/chart.js, a browser module without DOM use at import): lines break where there
 * was no data. uPlot draws no line across a null (spanGaps false) and joins over undefined, which only aligns
 * probes reporting at different instants.
 */
import { describe, expect, it } from 'vitest';

interface ChartModule {
  pointColumns: (points: { at: number; probe: string; worstMs: number }[], probes: string[]) => unknown[][];
  rollupColumns: (rollup: { at: number[]; series: { count: number[]; maxMs: (number | null)[] }[] }) => unknown[][];
}
// Imported by path at run time: a plain ES module of the page, not part of the TypeScript build.
const chartPath = new URL('../public/chart.js', import.meta.url).href;
const { pointColumns, rollupColumns } = (await import(chartPath)) as ChartModule;

describe('chart columns', () => {
  it('breaks a probe’s line at a restart 8 minutes later, not between its regular rounds', () => {
    const at = (s: number) => 1_000_000 + s * 1000;
    const points = [0, 3, 6, 9, 9 + 480, 9 + 483].map((s) => ({ at: at(s), probe: 'p1', worstMs: 500 }));
    points.push({ at: at(1), probe: 'p2', worstMs: 700 });
    const [xs, p1, p2] = pointColumns(points, ['p1', 'p2']);
    const nullAt = (xs as number[]).filter((_, i) => p1![i] === null);
    // One null, 1 ms after the last round before the gap; nothing between the rounds 3 s apart.
    expect(nullAt).toEqual([(at(9) + 1) / 1000]);
    expect(p1!.filter((v) => v === 0.5)).toHaveLength(6);
    // Where only the other probe has a value: undefined (joined over), never null.
    expect(p2!.filter((v) => v === null)).toEqual([]);
    expect(p1![(xs as number[]).indexOf(at(1) / 1000)]).toBeUndefined();
  });

  it('gives a rollup step without data a null', () => {
    const [xs, series] = rollupColumns({
      at: [0, 60_000, 120_000],
      series: [{ count: [2, 0, 1], maxMs: [1500, null, 900] }],
    });
    expect(xs).toEqual([0, 60, 120]);
    expect(series).toEqual([1.5, null, 0.9]);
  });
});
