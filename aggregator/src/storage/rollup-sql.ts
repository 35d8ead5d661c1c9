/**
 * SQL of the rollup tables (migration 4): one table per level, a row per
 * (bucket start, series) with the RollupCell's figures and histogram columns
 * h0…h14. Generated from one column list so the writer, the reader and the
 * migration's backfill cannot disagree on it. Migration 4 is built from these
 * functions: a change to a column or a bound needs a new migration.
 */
import type { RollupLevel } from '../rollup/rollup-plan.js';
import { HISTOGRAM_SIZE, ROLLUP_BOUNDS_MS, type RollupCell } from '../rollup/rollup-cell.js';

export const ROLLUP_TABLE: Readonly<Record<RollupLevel, string>> = {
  '1m': 'rollup_1m',
  '10m': 'rollup_10m',
  '1h': 'rollup_1h',
};

const H = Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `h${i}`);

export function createRollupTable(table: string): string {
  return `CREATE TABLE ${table} (
    bucket INTEGER NOT NULL,
    series INTEGER NOT NULL,
    count INTEGER NOT NULL,
    timeouts INTEGER NOT NULL,
    sum_ms REAL NOT NULL,
    min_ms REAL NOT NULL,
    max_ms REAL NOT NULL,
    low_ms REAL NOT NULL,
    high_ms REAL,
    max_ref INTEGER,
    ${H.map((h) => `${h} INTEGER NOT NULL`).join(', ')},
    PRIMARY KEY (bucket, series)
  ) WITHOUT ROWID;`;
}

/** Histogram column sums for a figure expression, e.g. `SUM(ms <= 50) AS h0, SUM(ms > 50 AND ms <= 100) AS h1, …`. */
export function histogramSums(figure: string): string {
  return H.map((h, i) => {
    const above = i === 0 ? '' : `${figure} > ${ROLLUP_BOUNDS_MS[i - 1]}`;
    const below = i < ROLLUP_BOUNDS_MS.length ? `${figure} <= ${ROLLUP_BOUNDS_MS[i]}` : '';
    return `SUM(${[above, below].filter(Boolean).join(' AND ')}) AS ${h}`;
  }).join(', ');
}

/** Adds a cell into a stored row (inserting it when new). In DO UPDATE, bare names are the stored row's values. */
export function upsertCell(table: string): string {
  return `INSERT INTO ${table}
      (bucket, series, count, timeouts, sum_ms, min_ms, max_ms, low_ms, high_ms, max_ref, ${H.join(', ')})
    VALUES (${new Array(10 + HISTOGRAM_SIZE).fill('?').join(', ')})
    ON CONFLICT (bucket, series) DO UPDATE SET
      count = count + excluded.count, timeouts = timeouts + excluded.timeouts, sum_ms = sum_ms + excluded.sum_ms,
      min_ms = MIN(min_ms, excluded.min_ms),
      max_ref = IIF(excluded.max_ms > max_ms, excluded.max_ref, max_ref),
      max_ms = MAX(max_ms, excluded.max_ms),
      low_ms = MIN(low_ms, excluded.low_ms),
      high_ms = COALESCE(MAX(high_ms, excluded.high_ms), high_ms, excluded.high_ms),
      ${H.map((h) => `${h} = ${h} + excluded.${h}`).join(', ')}`;
}

export function cellParams(bucket: number, series: number, cell: RollupCell, maxRef: number | null): unknown[] {
  return [
    bucket,
    series,
    cell.count,
    cell.timeouts,
    cell.sumMs,
    cell.minMs,
    cell.maxMs,
    cell.lowMs,
    cell.highMs,
    maxRef,
    ...cell.histogram,
  ];
}

export type RollupGroup = 'probe' | 'pop' | 'all' | 'series';

/**
 * Cells summed per step (and per probe, POP or series) over [from, to), optionally for one probe and/or POP.
 * Named parameters: origin, step, from, to, probe (or null), pop (or null).
 */
export function selectCells(table: string, group: RollupGroup): string {
  const names = {
    probe: 's.probe_id AS probe, NULL AS pop',
    pop: 'NULL AS probe, s.pop AS pop',
    all: 'NULL AS probe, NULL AS pop',
    series: 's.probe_id AS probe, s.pop AS pop',
  }[group];
  const by = { probe: ', s.probe_id', pop: ', s.pop', all: '', series: ', r.series' }[group];
  const series = group === 'series' ? 'r.series' : '0';
  return `SELECT CAST((r.bucket - @origin) / @step AS INTEGER) AS step, ${names}, ${series} AS series,
      SUM(r.count) AS count, SUM(r.timeouts) AS timeouts, SUM(r.sum_ms) AS sum_ms, MIN(r.min_ms) AS min_ms,
      MAX(r.max_ms) AS max_ms, MIN(r.low_ms) AS low_ms, MAX(r.high_ms) AS high_ms,
      ${H.map((h) => `SUM(r.${h}) AS ${h}`).join(', ')}
    FROM ${table} r JOIN pop_series s ON s.id = r.series
    WHERE r.bucket >= @from AND r.bucket < @to
      AND (@probe IS NULL OR s.probe_id = @probe) AND (@pop IS NULL OR s.pop = @pop)
    GROUP BY step${by}`;
}

export interface CellRow {
  step: number;
  probe: string | null;
  pop: string | null;
  series: number;
  count: number;
  timeouts: number;
  sum_ms: number;
  min_ms: number;
  max_ms: number;
  low_ms: number;
  high_ms: number | null;
  [histogram: `h${number}`]: number;
}

export function cellFromRow(row: CellRow): RollupCell {
  return {
    count: row.count,
    timeouts: row.timeouts,
    sumMs: row.sum_ms,
    minMs: row.min_ms,
    maxMs: row.max_ms,
    lowMs: row.low_ms,
    highMs: row.high_ms,
    histogram: H.map((h) => row[h as `h${number}`] ?? 0),
  };
}
