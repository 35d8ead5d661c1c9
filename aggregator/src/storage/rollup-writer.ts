/**
 * Keeps the rollups and the series table current, inside the store's group
 * commit: every accepted report adds its newly finished POP results to cells
 * of a minute, ten minutes and an hour in memory; `flush` writes them (one upsert
 * per cell and level for the whole batch) in the same transaction as the
 * rounds, so the rollups never disagree with what was committed. The series
 * of each (probe, POP) is created on first sight and its last_seen_at moved
 * at most once a minute; ids learnt in a batch are kept only if it commits.
 */
import type Database from 'better-sqlite3';
import { finishedFigure } from '../analysis/observations.js';
import { namesPop } from '../cardinality/pop-registry.js';
import { newlyFinal } from '../metrics/round-transitions.js';
import { type RollupCell, addResult, emptyCell, mergeCell } from '../rollup/rollup-cell.js';
import { LEVELS, LEVEL_MS, type RollupLevel } from '../rollup/rollup-plan.js';
import type { SeriesRecord, UpsertResult } from './round-store.js';
import { ROLLUP_TABLE, cellParams, upsertCell } from './rollup-sql.js';

interface SeriesEntry {
  id: number;
  /** last_seen_at as stored, in whole minutes since the epoch. */
  lastSeenMinute: number;
}

/** The batch's results of one series in one minute; coarser cells are merged from these at flush. */
interface PendingCell {
  minute: number;
  probe: string;
  pop: string;
  cell: RollupCell;
  /** The round holding the slowest result so far (its rounds.id is found at flush). */
  slowest: { round: string; ms: number };
}

const copyCell = (cell: RollupCell): RollupCell => ({ ...cell, histogram: [...cell.histogram] });

const seriesKey = (probe: string, pop: string) => `${probe}\u0000${pop}`;

interface SeriesTableRow {
  id: number;
  probe_id: string;
  pop: string;
  last_seen_at: number;
}

export class RollupWriter {
  readonly #sql;
  readonly #series = new Map<string, SeriesEntry>();
  /** Ids learnt or moved in the current batch; merged into #series only once it commits. */
  #pendingSeries = new Map<string, SeriesEntry>();
  #touched = new Map<string, { probe: string; pop: string; at: number }>();
  #cells = new Map<string, PendingCell>();

  constructor(db: Database.Database) {
    this.#sql = {
      insertSeries: db
        .prepare(
          `INSERT INTO pop_series (probe_id, pop, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (probe_id, pop) DO UPDATE SET last_seen_at = MAX(last_seen_at, excluded.last_seen_at)
          RETURNING id`,
        )
        .pluck(),
      touchSeries: db.prepare('UPDATE pop_series SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?'),
      roundRef: db.prepare('SELECT id FROM rounds WHERE probe_id = ? AND round_id = ?').pluck(),
      upsert: Object.fromEntries(LEVELS.map((level) => [level, db.prepare(upsertCell(ROLLUP_TABLE[level]))])),
      allSeries: db.prepare('SELECT id, probe_id, pop, last_seen_at FROM pop_series'),
    };
    this.reloadSeries();
  }

  /** Reads the series ids from the table (at start, and after pruning deleted some). */
  reloadSeries(): void {
    this.#series.clear();
    for (const row of this.#sql.allSeries.all() as SeriesTableRow[])
      this.#series.set(seriesKey(row.probe_id, row.pop), {
        id: row.id,
        lastSeenMinute: Math.floor(row.last_seen_at / 60_000),
      });
  }

  /** Every stored series (probe, POP) with when it was last seen; for the admission registry at start. */
  seriesRows(): SeriesRecord[] {
    return (this.#sql.allSeries.all() as SeriesTableRow[]).map((row) => ({
      probe: row.probe_id,
      pop: row.pop,
      lastSeenAt: row.last_seen_at,
    }));
  }

  /** Takes an accepted report (its savepoint released) into the batch. */
  add(result: UpsertResult, receivedAt: number): void {
    const { current } = result;
    if (result.outcome === 'unchanged') return;
    for (const pop of current.pops.filter(namesPop)) {
      this.#touched.set(seriesKey(current.probe.id, pop.pop), {
        probe: current.probe.id,
        pop: pop.pop,
        at: receivedAt,
      });
    }
    const minute = Math.floor(current.firstReceivedAt / LEVEL_MS['1m']) * LEVEL_MS['1m'];
    for (const pop of newlyFinal(result)) {
      const ms = finishedFigure(pop);
      const key = `${seriesKey(current.probe.id, pop.pop)}\u0000${minute}`;
      let pending = this.#cells.get(key);
      if (!pending) {
        pending = {
          minute,
          probe: current.probe.id,
          pop: pop.pop,
          cell: emptyCell(),
          slowest: { round: current.id, ms },
        };
        this.#cells.set(key, pending);
      }
      if (ms > pending.slowest.ms) pending.slowest = { round: current.id, ms };
      const timedOut = pop.state === 'timeout';
      addResult(pending.cell, {
        ms,
        lowerMs: pop.lowerMs,
        upperMs: timedOut ? null : (pop.upperMs ?? pop.lowerMs),
        timedOut,
      });
    }
  }

  /**
   * Writes the batch's series and cells; inside the batch transaction. Each minute cell is written as it is
   * and merged into its ten-minute and hour cells, so a batch writes each coarser cell once.
   */
  flush(): void {
    for (const { probe, pop, at } of this.#touched.values()) this.#touchSeries(probe, pop, at);
    const refs = new Map<string, number | null>();
    const refOf = (probe: string, round: string) => {
      const key = `${probe}\u0000${round}`;
      if (!refs.has(key)) refs.set(key, (this.#sql.roundRef.get(probe, round) as number | undefined) ?? null);
      return refs.get(key) ?? null;
    };
    const coarser = new Map<
      string,
      { level: RollupLevel; bucket: number; series: number; cell: RollupCell; ref: number | null; ms: number }
    >();
    for (const pending of this.#cells.values()) {
      const series = this.#seriesId(pending.probe, pending.pop);
      const ref = refOf(pending.probe, pending.slowest.round);
      this.#sql.upsert['1m']!.run(...cellParams(pending.minute, series, pending.cell, ref));
      for (const level of LEVELS.slice(1)) {
        const bucket = Math.floor(pending.minute / LEVEL_MS[level]) * LEVEL_MS[level];
        const key = `${level}\u0000${bucket}\u0000${series}`;
        const into = coarser.get(key);
        if (!into)
          coarser.set(key, { level, bucket, series, cell: copyCell(pending.cell), ref, ms: pending.slowest.ms });
        else {
          mergeCell(into.cell, pending.cell);
          if (pending.slowest.ms > into.ms) Object.assign(into, { ref, ms: pending.slowest.ms });
        }
      }
    }
    for (const { level, bucket, series, cell, ref } of coarser.values())
      this.#sql.upsert[level]!.run(...cellParams(bucket, series, cell, ref));
  }

  /** After the transaction: keep what it learnt if it committed, forget it otherwise. */
  settle(committed: boolean): void {
    if (committed) for (const [key, entry] of this.#pendingSeries) this.#series.set(key, entry);
    this.#pendingSeries = new Map();
    this.#touched = new Map();
    this.#cells = new Map();
  }

  #lookup(key: string): SeriesEntry | undefined {
    return this.#pendingSeries.get(key) ?? this.#series.get(key);
  }

  #touchSeries(probe: string, pop: string, at: number): void {
    const key = seriesKey(probe, pop);
    const known = this.#lookup(key);
    const minute = Math.floor(at / 60_000);
    if (!known) {
      const id = this.#sql.insertSeries.get(probe, pop, at, at) as number;
      this.#pendingSeries.set(key, { id, lastSeenMinute: minute });
    } else if (minute > known.lastSeenMinute) {
      this.#sql.touchSeries.run(at, known.id);
      this.#pendingSeries.set(key, { id: known.id, lastSeenMinute: minute });
    }
  }

  #seriesId(probe: string, pop: string): number {
    const known = this.#lookup(seriesKey(probe, pop));
    // add() touches every POP of a report before its results are counted, so the series exists by now.
    if (!known) throw new Error(`rollup flush: no series for probe ${probe}, POP ${pop} (a bug)`);
    return known.id;
  }
}
