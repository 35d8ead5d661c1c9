/**
 * Retention: deletes rounds last received before the cut (their POP results
 * go with them, ON DELETE CASCADE), probes not seen since, rollup cells whose
 * whole bucket is older, series not seen since, and the logs' old rows. Each
 * batch is its own short statement of at most PRUNE_BATCH rows, so pruning
 * never holds locks (nor the event loop) for long, and ingest on every
 * replica runs between batches.
 */
import { MAX_CATCHMENT_CHANGES } from '../../catchments/catchment-changes.js';
import { LEVELS, LEVEL_MS } from '../../rollup/rollup-plan.js';
import { ROLLUP_TABLE } from '../rollup-sql.js';
import { capSql } from './pg-logs.js';
import type { PgPool } from './pg-pool.js';

/** Rows deleted per statement. */
export const PRUNE_BATCH = 5_000;

async function deleteInBatches(db: PgPool, sql: string, cut: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      'pruning',
      `WITH gone AS (${sql} RETURNING 1) SELECT COUNT(*) AS n FROM gone`,
      [cut, PRUNE_BATCH],
    );
    const deleted = rows[0]?.n ?? 0;
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Prunes everything older than `olderThan`; returns how many rounds went. */
export async function prunePg(db: PgPool, olderThan: number): Promise<number> {
  const total = await deleteInBatches(
    db,
    'DELETE FROM rounds WHERE id IN (SELECT id FROM rounds WHERE received_at < $1 LIMIT $2)',
    olderThan,
  );
  await db.query('pruning', 'DELETE FROM probes WHERE last_seen_at < $1', [olderThan]);
  // A rollup cell goes once all of its minute (ten minutes, hour) is older than the cut.
  for (const level of LEVELS) {
    const table = ROLLUP_TABLE[level];
    await deleteInBatches(
      db,
      `DELETE FROM ${table} WHERE (bucket, series) IN (SELECT bucket, series FROM ${table} WHERE bucket <= $1 LIMIT $2)`,
      olderThan - LEVEL_MS[level],
    );
  }
  await db.query('pruning', 'DELETE FROM pop_series WHERE last_seen_at < $1', [olderThan]);
  await db.query('pruning', 'DELETE FROM state_changes WHERE at < $1', [olderThan]);
  await db.query('pruning', 'DELETE FROM catchment_changes WHERE at < $1', [olderThan]);
  await db.query('pruning', capSql('catchment_changes'), [MAX_CATCHMENT_CHANGES]);
  return total;
}
