/**
 * Reads of the rollup tables and series (rollup-reader.ts in PostgreSQL):
 * cells summed per step and group over one slice, the round behind a
 * slice's slowest result, and the series list.
 */
import type { PopResult } from '@propwatch/shared';
import { HISTOGRAM_SIZE } from '../../rollup/rollup-cell.js';
import type { RollupLevel } from '../../rollup/rollup-plan.js';
import { type PopRow, type RoundRow, popFromRow, roundFromRow } from '../round-rows.js';
import type { SeriesRecord, StoredRound } from '../round-store.js';
import type { RollupCellRow, RollupQuery } from '../rollup-reader.js';
import { type CellRow, ROLLUP_TABLE, type RollupGroup, cellFromRow } from '../rollup-sql.js';
import type { PgPool } from './pg-pool.js';

const H = Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `h${i}`);

/** Parameters: $1 origin, $2 step, $3 from, $4 to, $5 probe (or null), $6 pop (or null). */
function selectCells(table: string, group: RollupGroup): string {
  const names = {
    probe: 's.probe_id AS probe, NULL::text AS pop',
    pop: 'NULL::text AS probe, s.pop AS pop',
    all: 'NULL::text AS probe, NULL::text AS pop',
    series: 's.probe_id AS probe, s.pop AS pop',
  }[group];
  const by = { probe: ', s.probe_id', pop: ', s.pop', all: '', series: ', r.series, s.probe_id, s.pop' }[group];
  const series = group === 'series' ? 'r.series' : '0';
  // trunc: the step counts like SQLite's integer division (towards zero), also for buckets before the origin.
  return `SELECT trunc((r.bucket - $1::bigint)::numeric / $2::bigint)::bigint AS step, ${names}, ${series} AS series,
      SUM(r.count)::bigint AS count, SUM(r.timeouts)::bigint AS timeouts, SUM(r.sum_ms) AS sum_ms,
      MIN(r.min_ms) AS min_ms, MAX(r.max_ms) AS max_ms, MIN(r.low_ms) AS low_ms, MAX(r.high_ms) AS high_ms,
      ${H.map((h) => `SUM(r.${h})::bigint AS ${h}`).join(', ')}
    FROM ${table} r JOIN pop_series s ON s.id = r.series
    WHERE r.bucket >= $3 AND r.bucket < $4
      AND ($5::text IS NULL OR s.probe_id = $5) AND ($6::text IS NULL OR s.pop = $6)
    GROUP BY 1${by}`;
}

export class PgRollupReads {
  readonly #db: PgPool;

  constructor(db: PgPool) {
    this.#db = db;
  }

  async cells(query: RollupQuery): Promise<RollupCellRow[]> {
    const rows = await this.#db.query<CellRow>('reading rollups', selectCells(ROLLUP_TABLE[query.level], query.group), [
      query.origin,
      query.stepMs,
      query.from,
      query.to,
      query.probe ?? null,
      query.pop ?? null,
    ]);
    return rows.map((row) => ({
      at: query.origin + row.step * query.stepMs,
      probe: row.probe,
      pop: row.pop,
      series: query.group === 'series' ? row.series : null,
      cell: cellFromRow(row),
    }));
  }

  /** The stored round and POP result behind the slowest cell of `series` in the slice, if it is still stored. */
  async slowest(
    level: RollupLevel,
    from: number,
    to: number,
    series: number,
  ): Promise<{ round: StoredRound; pop: PopResult } | null> {
    return this.#db.transaction(
      'reading the slowest result',
      async (q) => {
        const ref = (
          await q.query<{ max_ref: number | null }>(
            `SELECT max_ref FROM ${ROLLUP_TABLE[level]} WHERE bucket >= $1 AND bucket < $2 AND series = $3
              ORDER BY max_ms DESC LIMIT 1`,
            [from, to, series],
          )
        ).rows[0]?.max_ref;
        const popName = (await q.query<{ pop: string }>('SELECT pop FROM pop_series WHERE id = $1', [series])).rows[0]
          ?.pop;
        if (ref === null || ref === undefined || popName === undefined) return null;
        const round = (await q.query<RoundRow>('SELECT * FROM rounds WHERE id = $1', [ref])).rows[0];
        const popRow = (
          await q.query<PopRow>(
            'SELECT * FROM pop_results WHERE round_ref = $1 AND pop = $2 ORDER BY position LIMIT 1',
            [ref, popName],
          )
        ).rows[0];
        if (!round || !popRow) return null;
        const pop = popFromRow(popRow);
        return { round: roundFromRow(round, [pop]), pop };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async series(): Promise<SeriesRecord[]> {
    const rows = await this.#db.query<{ probe_id: string; pop: string; last_seen_at: number }>(
      'reading series',
      'SELECT probe_id, pop, last_seen_at FROM pop_series ORDER BY id',
    );
    return rows.map((row) => ({ probe: row.probe_id, pop: row.pop, lastSeenAt: row.last_seen_at }));
  }
}
