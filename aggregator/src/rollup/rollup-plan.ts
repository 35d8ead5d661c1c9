/**
 * How a rollup read is cut so that its cost has a bound: which stored level
 * (cells of a minute, ten minutes or an hour) and which step the answer uses, and the time
 * slices it is read in. Every read keeps within `maxRows` stored cells and
 * `maxPoints` points (fewer when many series share them, `maxCells` in all);
 * each slice reads about `rowsPerSlice` cells, so the event loop gets control
 * back between slices. Pure: the caller knows how many series exist.
 */

/** The stored cell lengths, finest first: a minute, ten minutes, an hour. */
export const LEVELS = ['1m', '10m', '1h'] as const;
export type RollupLevel = (typeof LEVELS)[number];

export const LEVEL_MS: Readonly<Record<RollupLevel, number>> = { '1m': 60_000, '10m': 600_000, '1h': 3_600_000 };

/** Steps a history can have, finest first; each is read from the coarsest cells that divide it. */
const STEPS_MS = [1, 2, 10, 20, 30, 60, 120, 180, 360, 720, 1_440].map((minutes) => minutes * 60_000);

const levelFor = (stepMs: number): RollupLevel =>
  [...LEVELS].reverse().find((level) => stepMs % LEVEL_MS[level] === 0) ?? '1m';

export interface RollupLimits {
  /** Stored cells one read may scan (config limits.readRows). */
  maxRows: number;
  /** Points per series in a history. */
  maxPoints: number;
  /** Points × series in one history answer. */
  maxCells: number;
  /** Cells per slice (one SQL statement between two event-loop turns). */
  rowsPerSlice: number;
}

export interface TimeSlice {
  from: number;
  to: number;
}

export interface RollupPlan {
  level: RollupLevel;
  stepMs: number;
  /** First bucket start (inclusive) and end of the last bucket (exclusive), in ms since the epoch. */
  from: number;
  to: number;
  /** Stored cells the read may scan at most. */
  rows: number;
  slices: TimeSlice[];
}

export type PlanResult = { ok: true; plan: RollupPlan } | { ok: false; reason: string };

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

function sliceRange(from: number, to: number, stepMs: number, levelMs: number, series: number, perSlice: number) {
  const levelsPerSlice = Math.max(1, Math.floor(perSlice / Math.max(1, series)));
  const span = Math.max(stepMs, floorTo(levelsPerSlice * levelMs, stepMs));
  const slices: TimeSlice[] = [];
  for (let start = from; start < to; start += span) slices.push({ from: start, to: Math.min(to, start + span) });
  return slices;
}

function describeRows(rows: number): string {
  return rows.toLocaleString('en-US');
}

/**
 * A history over `windowMs` ending at `now` with one series per group (`groups` of them, drawn from `series`
 * stored series): the finest step whose points and scanned cells fit.
 */
export function planHistory(
  now: number,
  windowMs: number,
  counts: { series: number; groups: number },
  limits: RollupLimits,
): PlanResult {
  const maxPoints = Math.min(limits.maxPoints, Math.floor(limits.maxCells / Math.max(1, counts.groups)));
  let smallestRows = Number.POSITIVE_INFINITY;
  for (const stepMs of STEPS_MS) {
    const level = levelFor(stepMs);
    const levelMs = LEVEL_MS[level];
    const from = floorTo(now - windowMs, stepMs);
    const to = floorTo(now, stepMs) + stepMs;
    const points = (to - from) / stepMs;
    const rows = ((to - from) / levelMs) * counts.series;
    smallestRows = Math.min(smallestRows, rows);
    if (points > maxPoints || rows > limits.maxRows) continue;
    const slices = sliceRange(from, to, stepMs, levelMs, counts.series, limits.rowsPerSlice);
    return { ok: true, plan: { level, stepMs, from, to, rows, slices } };
  }
  return {
    ok: false,
    reason:
      `this read needs at least ${describeRows(smallestRows)} stored cells (${counts.series} series over the window) ` +
      `and ${counts.groups} series of points, above the limits (limits.readRows ${describeRows(limits.maxRows)}, ` +
      `${describeRows(limits.maxCells)} points in all); narrow it with probe= or pop=, or a shorter window`,
  };
}

/** A summary over the window (percentiles per POP and probe): the finest cells that fit. */
export function planSummary(now: number, windowMs: number, series: number, limits: RollupLimits): PlanResult {
  let smallestRows = Number.POSITIVE_INFINITY;
  for (const level of LEVELS) {
    const levelMs = LEVEL_MS[level];
    const from = floorTo(now - windowMs, levelMs);
    const to = floorTo(now, levelMs) + levelMs;
    const rows = ((to - from) / levelMs) * series;
    smallestRows = Math.min(smallestRows, rows);
    if (rows > limits.maxRows) continue;
    const slices = sliceRange(from, to, levelMs, levelMs, series, limits.rowsPerSlice);
    return { ok: true, plan: { level, stepMs: to - from, from, to, rows, slices } };
  }
  return {
    ok: false,
    reason:
      `this window needs ${describeRows(smallestRows)} stored cells (${series} series), above limits.readRows ` +
      `(${describeRows(limits.maxRows)}); use a shorter window`,
  };
}
