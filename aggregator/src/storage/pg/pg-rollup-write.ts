/**
 * The rollups and series of one stored report, inside its upsert transaction
 * (so they never disagree with the committed rounds): each POP the report
 * names gets its (probe, POP) series created or its last_seen_at moved, and
 * each POP result the report newly finished is added to its cell of a
 * minute, ten minutes and an hour. Cells are added with INSERT … ON CONFLICT
 * DO UPDATE, which is atomic per row, so replicas writing the same cell at
 * once both count.
 */
import { finishedFigure } from '../../analysis/observations.js';
import { namesPop } from '../../cardinality/pop-registry.js';
import { newlyFinal } from '../../metrics/round-transitions.js';
import { HISTOGRAM_SIZE, type RollupCell, addResult, emptyCell } from '../../rollup/rollup-cell.js';
import { LEVELS, LEVEL_MS } from '../../rollup/rollup-plan.js';
import type { UpsertResult } from '../round-store.js';
import { ROLLUP_TABLE, cellParams } from '../rollup-sql.js';
import type { Queryable } from './pg-pool.js';

const H = Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `h${i}`);
const COLUMNS = ['bucket', 'series', 'count', 'timeouts', 'sum_ms', 'min_ms', 'max_ms', 'low_ms', 'high_ms', 'max_ref']
  .concat(H)
  .join(', ');
const PER_CELL = 10 + HISTOGRAM_SIZE;

/** Adds cells into stored rows (inserting new ones); one statement for all the report's cells of a level. */
function upsertCells(table: string, cells: number): string {
  const rows = Array.from(
    { length: cells },
    (_, row) => `(${Array.from({ length: PER_CELL }, (_, i) => `$${row * PER_CELL + i + 1}`).join(', ')})`,
  );
  return `INSERT INTO ${table} AS c (${COLUMNS}) VALUES ${rows.join(', ')}
    ON CONFLICT (bucket, series) DO UPDATE SET
      count = c.count + excluded.count, timeouts = c.timeouts + excluded.timeouts, sum_ms = c.sum_ms + excluded.sum_ms,
      min_ms = LEAST(c.min_ms, excluded.min_ms),
      max_ref = CASE WHEN excluded.max_ms > c.max_ms THEN excluded.max_ref ELSE c.max_ref END,
      max_ms = GREATEST(c.max_ms, excluded.max_ms),
      low_ms = LEAST(c.low_ms, excluded.low_ms),
      high_ms = GREATEST(c.high_ms, excluded.high_ms),
      ${H.map((h) => `${h} = c.${h} + excluded.${h}`).join(', ')}`;
}

/** Creates or touches the series of the POPs named; returns their ids by POP. */
async function touchSeries(q: Queryable, probe: string, pops: string[], at: number): Promise<Map<string, number>> {
  if (pops.length === 0) return new Map();
  const { rows } = await q.query<{ id: number; pop: string }>(
    `INSERT INTO pop_series AS s (probe_id, pop, first_seen_at, last_seen_at)
      SELECT $1, pop, $2, $2 FROM unnest($3::text[]) AS pop
      ON CONFLICT (probe_id, pop) DO UPDATE SET last_seen_at = GREATEST(s.last_seen_at, excluded.last_seen_at)
      RETURNING id, pop`,
    [probe, at, pops],
  );
  return new Map(rows.map((row) => [row.pop, row.id]));
}

/** Writes the series and rollup cells of one upsert (nothing for an unchanged report). */
export async function writeRollups(q: Queryable, result: UpsertResult, ref: number, receivedAt: number) {
  if (result.outcome === 'unchanged') return;
  const { current } = result;
  // Sorted, so two transactions touching the same series lock their rows in the same order.
  const named = [...new Set(current.pops.filter(namesPop).map((pop) => pop.pop))].sort();
  const series = await touchSeries(q, current.probe.id, named, receivedAt);
  const cells = new Map<string, RollupCell>();
  for (const pop of newlyFinal(result)) {
    const cell = cells.get(pop.pop) ?? emptyCell();
    cells.set(pop.pop, cell);
    const timedOut = pop.state === 'timeout';
    const upperMs = timedOut ? null : (pop.upperMs ?? pop.lowerMs);
    addResult(cell, { ms: finishedFigure(pop), lowerMs: pop.lowerMs, upperMs, timedOut });
  }
  if (cells.size === 0) return;
  const minute = Math.floor(current.firstReceivedAt / LEVEL_MS['1m']) * LEVEL_MS['1m'];
  const entries = [...cells].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const level of LEVELS) {
    const bucket = Math.floor(minute / LEVEL_MS[level]) * LEVEL_MS[level];
    const params = entries.flatMap(([pop, cell]) => {
      const id = series.get(pop);
      // Every finished POP is named (namesPop), so its series was just touched.
      if (id === undefined)
        throw new Error(`rollup write: no series for probe ${current.probe.id}, POP ${pop} (a bug)`);
      return cellParams(bucket, id, cell, ref);
    });
    await q.query(upsertCells(ROLLUP_TABLE[level], entries.length), params);
  }
}
