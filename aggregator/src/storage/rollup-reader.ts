/**
 * Reads of the rollup tables and the few raw rows a bounded read needs: cells
 * summed per step and group over one time slice (the caller slices a window
 * and yields between slices), the round holding a slice's slowest result,
 * and round counts per slice. Each statement touches one slice, so its cost
 * is bounded by what the caller planned.
 */
import type Database from 'better-sqlite3';
import type { PopResult } from '@propwatch/shared';
import { LEVELS, type RollupLevel } from '../rollup/rollup-plan.js';
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
    const perLevel = <T>(make: (table: string) => T) =>
      Object.fromEntries(LEVELS.map((level) => [level, make(ROLLUP_TABLE[level])])) as Record<RollupLevel, T>;
    this.#select = perLevel((table) =>
      Object.fromEntries(groups.map((group) => [group, db.prepare(selectCells(table, group))])),
    );
    this.#sql = {
      slowestRef: perLevel((table) =>
        db
          .prepare(
            `SELECT max_ref FROM ${table} WHERE bucket >= ? AND bucket < ? AND series = ? ORDER BY max_ms DESC LIMIT 1`,
          )
          .pluck(),
      ),
      seriesPop: db.prepare('SELECT pop FROM pop_series WHERE id = ?').pluck(),
      round: db.prepare('SELECT * FROM rounds WHERE id = ?'),
      popOf: db.prepare('SELECT * FROM pop_results WHERE round_ref = ? AND pop = ? ORDER BY position LIMIT 1'),
      popsOf: db.prepare(`SELECT * FROM pop_results WHERE round_ref IN (SELECT value FROM json_each(?))
        ORDER BY round_ref, position`),
      countRounds: db.prepare('SELECT COUNT(*) FROM rounds WHERE received_at >= ? AND received_at < ?').pluck(),
      // Keyset paging down the received_at index (its entries end with the row id).
      roundsBefore: db.prepare(`SELECT * FROM rounds WHERE received_at >= @from AND (received_at, id) < (@at, @ref)
        ORDER BY received_at DESC, id DESC LIMIT @limit`),
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

  /** A page of rounds received at or after `from`, newest first, strictly before (receivedAt, ref). */
  roundsReceivedBefore(options: { from: number; before: { receivedAt: number; ref: number }; limit: number }) {
    const { from, before, limit } = options;
    return this.#sql.roundsBefore.all({ from, at: before.receivedAt, ref: before.ref, limit }) as RoundRow[];
  }
}
