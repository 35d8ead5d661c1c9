/**
 * Reads of the rollup tables and the few raw rows a bounded read needs: cells
 * summed per step and group over one time slice (the caller slices a window
 * and yields between slices), the round holding a slice's slowest result,
 * and round counts per slice. Each statement touches one slice, so its cost
 * is bounded by what the caller planned.
 */
import type Database from 'better-sqlite3';
import type { PopResult } from '@propwatch/shared';
import type { RollupLevel } from '../rollup/rollup-plan.js';
import { type RollupCell } from '../rollup/rollup-cell.js';
import type { StoredRound } from './round-store.js';
import { type PopRow, type RoundRow, popFromRow, roundFromRow } from './round-rows.js';
import { type CellRow, ROLLUP_TABLE, type RollupGroup, cellFromRow, selectCells } from './rollup-sql.js';

export interface RollupQuery {
  level: RollupLevel;
  group: RollupGroup;
  /** Time the steps count from, and their length: a cell at `bucket` is in step floor((bucket - origin) / stepMs). */
  origin: number;
  stepMs: number;
  /** The slice read: buckets in [from, to). */
  from: number;
  to: number;
  probe?: string | undefined;
  pop?: string | undefined;
}

export interface RollupCellRow {
  /** Start of the step, ms since the epoch. */
  at: number;
  probe: string | null;
  pop: string | null;
  /** Series id (group `series` only). */
  series: number | null;
  cell: RollupCell;
}

export class RollupReader {
  readonly #select;
  readonly #sql;

  constructor(db: Database.Database) {
    const groups: RollupGroup[] = ['probe', 'pop', 'all', 'series'];
    const byGroup = (level: RollupLevel) =>
      Object.fromEntries(groups.map((group) => [group, db.prepare(selectCells(ROLLUP_TABLE[level], group))]));
    this.#select = { minute: byGroup('minute'), hour: byGroup('hour') };
    this.#sql = {
      slowestRef: {
        minute: db
          .prepare(
            `SELECT max_ref FROM ${ROLLUP_TABLE.minute} WHERE bucket >= ? AND bucket < ? AND series = ? ORDER BY max_ms DESC LIMIT 1`,
          )
          .pluck(),
        hour: db
          .prepare(
            `SELECT max_ref FROM ${ROLLUP_TABLE.hour} WHERE bucket >= ? AND bucket < ? AND series = ? ORDER BY max_ms DESC LIMIT 1`,
          )
          .pluck(),
      },
      seriesPop: db.prepare('SELECT pop FROM pop_series WHERE id = ?').pluck(),
      round: db.prepare('SELECT * FROM rounds WHERE id = ?'),
      popOf: db.prepare('SELECT * FROM pop_results WHERE round_ref = ? AND pop = ? ORDER BY position LIMIT 1'),
      popCounts: db.prepare(`SELECT round_ref, COUNT(*) AS n FROM pop_results
        WHERE round_ref IN (SELECT value FROM json_each(?)) GROUP BY round_ref`),
      popsOf: db.prepare(`SELECT * FROM pop_results WHERE round_ref IN (SELECT value FROM json_each(?))
        ORDER BY round_ref, position`),
      countRounds: db.prepare('SELECT COUNT(*) FROM rounds WHERE received_at >= ? AND received_at < ?').pluck(),
      roundsIn: db.prepare('SELECT * FROM rounds WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id'),
      popsIn: db.prepare(`SELECT p.* FROM pop_results p JOIN rounds r ON r.id = p.round_ref
        WHERE r.received_at >= ? AND r.received_at < ? ORDER BY p.round_ref, p.position`),
    };
  }

  cells(query: RollupQuery): RollupCellRow[] {
    const statement = this.#select[query.level][query.group]!;
    const rows = statement.all({
      origin: query.origin,
      step: query.stepMs,
      from: query.from,
      to: query.to,
      probe: query.probe ?? null,
      pop: query.pop ?? null,
    }) as CellRow[];
    return rows.map((row) => ({
      at: query.origin + row.step * query.stepMs,
      probe: row.probe,
      pop: row.pop,
      series: query.group === 'series' ? row.series : null,
      cell: cellFromRow(row),
    }));
  }

  /** The stored round and POP result behind the slowest cell of `series` in the slice, if it is still stored. */
  slowest(level: RollupLevel, from: number, to: number, series: number): { round: StoredRound; pop: PopResult } | null {
    const ref = this.#sql.slowestRef[level].get(from, to, series) as number | null | undefined;
    const popName = this.#sql.seriesPop.get(series) as string | undefined;
    if (ref === null || ref === undefined || popName === undefined) return null;
    const roundRow = this.#sql.round.get(ref) as RoundRow | undefined;
    const popRow = this.#sql.popOf.get(ref, popName) as PopRow | undefined;
    if (!roundRow || !popRow) return null;
    const pop = popFromRow(popRow);
    return { round: roundFromRow(roundRow, [pop]), pop };
  }

  /** How many POP results each of the given rounds holds (from the primary key alone). */
  popCounts(refs: readonly number[]): Map<number, number> {
    const rows = this.#sql.popCounts.all(JSON.stringify(refs)) as { round_ref: number; n: number }[];
    return new Map(rows.map((row) => [row.round_ref, row.n]));
  }

  /** The POP results of the given rounds, in report order. */
  popsOf(refs: readonly number[]): Map<number, PopResult[]> {
    const byRound = new Map<number, PopResult[]>();
    for (const row of this.#sql.popsOf.all(JSON.stringify(refs)) as PopRow[]) {
      const list = byRound.get(row.round_ref) ?? [];
      list.push(popFromRow(row));
      byRound.set(row.round_ref, list);
    }
    return byRound;
  }

  countRounds(from: number, to: number): number {
    return this.#sql.countRounds.get(from, to) as number;
  }

  /** Rounds whose latest report arrived in [from, to), with their POP results, oldest first. */
  roundsReceivedIn(from: number, to: number): { rows: RoundRow[]; pops: PopRow[] } {
    return {
      rows: this.#sql.roundsIn.all(from, to) as RoundRow[],
      pops: this.#sql.popsIn.all(from, to) as PopRow[],
    };
  }
}
