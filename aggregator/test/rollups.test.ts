/**
 * The per-minute and per-hour rollups kept at ingest (issue 12, item 4), on a
 * real SQLite file: each finished POP result counted once in the cell of its
 * round's first arrival, the hour the sum of its minutes, a report that fails
 * rolling back alone, migration 4's backfill equal to what ingest builds, and
 * pruning with the retention.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cellFigures } from '../src/rollup/histogram-percentile.js';
import { LEVELS, type RollupLevel } from '../src/rollup/rollup-plan.js';
import type { RollupCellRow } from '../src/storage/rollup-reader.js';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { T0, pop, report, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, 'rollups.db');
});
afterEach(() => temp.cleanup());

const DAY = 86_400_000;

async function cells(store: SqliteRoundStore, level: RollupLevel, from = T0 - DAY, to = T0 + 30 * DAY) {
  const rows = await store.rollupCells({ level, group: 'series', origin: from, stepMs: to - from, from, to });
  return rows.map((row: RollupCellRow) => ({ probe: row.probe, pop: row.pop, ...cellFigures(row.cell) }));
}

const timeout = (name: string, lowerMs: number) =>
  pop(name, { state: 'timeout', lowerMs, upperMs: undefined, estimateMs: undefined });

describe('rollups at ingest', () => {
  test('a finished result counts once across progress reports and duplicates, in the minute of the first report', async () => {
    const store = new SqliteRoundStore({ path });
    const pending = pop('LHR', { state: 'pending', lowerMs: 500, upperMs: undefined, estimateMs: undefined });
    // Running: LHR pending, SIN already propagated (counted now); then complete: LHR times out; then duplicates.
    await store.upsertRound(
      report('p1', { state: 'running', elapsedMs: 600, pops: [pending, pop('SIN')] }),
      T0 + 59_000,
    );
    await store.upsertRound(
      report('p1', { state: 'running', elapsedMs: 900, pops: [pending, pop('SIN')] }),
      T0 + 61_000,
    );
    const done = report('p1', { state: 'complete', elapsedMs: 90_000, pops: [timeout('LHR', 90_000), pop('SIN')] });
    await store.upsertRound(done, T0 + 150_000);
    await store.upsertRound(done, T0 + 151_000);
    await store.upsertRound(
      report('p1', { state: 'running', elapsedMs: 600, pops: [pending, pop('SIN')] }),
      T0 + 152_000,
    );

    const minutes = await store.rollupCells({
      level: '1m',
      group: 'series',
      origin: T0,
      stepMs: 60_000,
      from: T0,
      to: T0 + 3_600_000,
    });
    // All in the minute of the round's first report (T0 + 59 s), however late the results came.
    expect(minutes.map((row) => [row.at, row.pop, row.cell.count, row.cell.timeouts])).toEqual(
      expect.arrayContaining([
        [T0, 'LHR', 1, 1],
        [T0, 'SIN', 1, 0],
      ]),
    );
    expect(minutes).toHaveLength(2);
    expect(await cells(store, '1m')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pop: 'LHR', count: 1, maxMs: 90_000, lowMs: 90_000, highMs: null }),
        expect.objectContaining({ pop: 'SIN', count: 1, minMs: 1_000, maxMs: 1_000, lowMs: 900, highMs: 1_100 }),
      ]),
    );
    await store.close();
  });

  test('cells hold count, timeouts, sum, extremes, envelope and histogram; an hour is the sum of its minutes', async () => {
    const store = new SqliteRoundStore({ path });
    const figures = [120, 950, 4_000, 4_000, 31_000];
    for (const [i, ms] of figures.entries()) {
      const pops = [pop('LHR', { lowerMs: ms - 10, upperMs: ms + 10, estimateMs: ms })];
      await store.upsertRound(report('p1', { id: `r${i}`, pops }), T0 + i * 20 * 60_000);
    }
    await store.upsertRound(report('p1', { id: 'late', pops: [timeout('LHR', 60_000)] }), T0 + 100 * 60_000);

    const [hour0, hour1] = (
      await store.rollupCells({
        level: '1h',
        group: 'series',
        origin: T0,
        stepMs: 3_600_000,
        from: T0,
        to: T0 + 2 * 3_600_000,
      })
    ).sort((a, b) => a.at - b.at);
    expect(hour0!.cell).toMatchObject({ count: 3, timeouts: 0, sumMs: 5_070, minMs: 120, maxMs: 4_000 });
    expect(hour0!.cell.histogram.slice(0, 7)).toEqual([0, 0, 1, 0, 1, 0, 1]);
    expect(hour1!.cell).toMatchObject({
      count: 3,
      timeouts: 1,
      minMs: 4_000,
      maxMs: 60_000,
      lowMs: 3_990,
      highMs: 31_010,
    });
    const byMinute = await cells(store, '1m', T0, T0 + 3_600_000);
    expect(byMinute).toEqual([expect.objectContaining({ count: 3, minMs: 120, maxMs: 4_000 })]);
    await store.close();
  });

  test('a report that fails in a batch rolls back alone: its results are in no cell, its neighbours are', async () => {
    const store = new SqliteRoundStore({ path });
    // Three reports in one group commit; the middle one has a start time SQLite cannot store (NOT NULL).
    const results = await Promise.allSettled([
      store.upsertRound(report('p1', { id: 'a', pops: [pop('LHR')] }), T0),
      store.upsertRound(report('p1', { id: 'b', startedAt: '2025-12-31T23:59:60Z', pops: [pop('LHR')] }), T0),
      store.upsertRound(report('p1', { id: 'c', pops: [pop('LHR')] }), T0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await cells(store, '1m')).toEqual([expect.objectContaining({ pop: 'LHR', count: 2 })]);
    await store.close();
  });

  test('the slowest result of a slice leads back to its round', async () => {
    const store = new SqliteRoundStore({ path });
    await store.upsertRound(report('p1', { id: 'fast', pops: [pop('LHR')] }), T0);
    await store.upsertRound(report('p1', { id: 'slow', pops: [timeout('LHR', 45_000)] }), T0 + 1_000);
    const [row] = await store.rollupCells({
      level: '1h',
      group: 'series',
      origin: T0,
      stepMs: 3_600_000,
      from: T0,
      to: T0 + 3_600_000,
    });
    const found = await store.slowestInRollup('1h', T0, T0 + 3_600_000, row!.series!);
    expect(found?.round.id).toBe('slow');
    expect(found?.pop).toMatchObject({ pop: 'LHR', state: 'timeout', lowerMs: 45_000 });
    await store.close();
  });

  test('pruning removes cells and series older than the cut, keeping newer ones', async () => {
    const store = new SqliteRoundStore({ path });
    await store.upsertRound(report('p1', { id: 'old', pops: [pop('LHR')] }), T0);
    await store.upsertRound(report('p2', { id: 'new', pops: [pop('SIN')] }), T0 + 3 * DAY);
    await store.prune(T0 + DAY);
    expect((await cells(store, '1m')).map((c) => c.pop)).toEqual(['SIN']);
    expect((await cells(store, '1h')).map((c) => c.pop)).toEqual(['SIN']);
    expect((await store.popSeries()).map((s) => `${s.probe}/${s.pop}`)).toEqual(['p2/SIN']);
    // A series that pruning removed comes back as a new one when its POP reports again.
    await store.upsertRound(report('p1', { id: 'again', pops: [pop('LHR')] }), T0 + 3 * DAY);
    expect((await cells(store, '1m')).map((c) => c.pop).sort()).toEqual(['LHR', 'SIN']);
    await store.close();
  });
});

describe('migration 4', () => {
  test('backfills series and rollups from stored results, equal to what ingest builds', async () => {
    const store = new SqliteRoundStore({ path });
    for (let i = 0; i < 40; i++) {
      const ms = 100 + ((i * 7_919) % 70_000);
      const pops =
        i % 5 === 0
          ? [timeout('LHR', 30_000), pop('SIN', { lowerMs: ms - 20, upperMs: ms + 20, estimateMs: ms })]
          : [pop('LHR', { lowerMs: ms - 5, upperMs: ms + 5, estimateMs: ms }), pop('SIN')];
      const probe = i % 2 === 0 ? 'p1' : 'p2';
      await store.upsertRound(report(probe, { id: `r${i}`, pops }), T0 + i * 13 * 60_000);
    }
    await store.upsertRound(report('p3', { id: 'running', state: 'running', pops: [pop('LHR')] }), T0);
    const built = Object.fromEntries(
      await Promise.all(LEVELS.map(async (level) => [level, await cells(store, level)])),
    );
    const series = await store.popSeries();
    await store.close();

    // Back to the schema before migration 4, with the rounds still there.
    const db = new Database(path);
    db.exec(`DROP TABLE rollup_1m; DROP TABLE rollup_10m; DROP TABLE rollup_1h; DROP TABLE pop_series;
      ALTER TABLE health DROP COLUMN ballast; DELETE FROM schema_migrations WHERE version = 4;`);
    db.close();

    const migrated = new SqliteRoundStore({ path });
    const sort = <T extends { probe: string | null; pop: string | null }>(rows: T[]) =>
      rows.sort((a, b) => `${a.probe}/${a.pop}`.localeCompare(`${b.probe}/${b.pop}`));
    for (const level of LEVELS) {
      const backfilled = sort(await cells(migrated, level));
      expect(backfilled.length).toBeGreaterThan(0);
      expect(backfilled).toEqual(sort(built[level]));
    }
    expect(sort(await migrated.popSeries())).toEqual(sort(series));
    await migrated.close();
  });
});
