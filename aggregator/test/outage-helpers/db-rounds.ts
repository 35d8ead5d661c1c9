/** Reads the rounds an aggregator stored, straight from its SQLite file (after the aggregator stopped). */
import Database from 'better-sqlite3';
import type { RoundState } from '@propwatch/shared';

export interface DbRound {
  probe: string;
  id: string;
  serial: bigint;
  state: RoundState;
  elapsedMs: number;
  pops: number;
  /** POP rows whose interval is inconsistent (upper below lower, estimate outside the bounds). */
  badPops: number;
}

export function readDbRounds(path: string): DbRound[] {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT r.probe_id AS probe, r.round_id AS id, r.serial AS serial, r.state AS state, r.elapsed_ms AS elapsedMs,
        (SELECT COUNT(*) FROM pop_results p WHERE p.round_ref = r.id) AS pops,
        (SELECT COUNT(*) FROM pop_results p WHERE p.round_ref = r.id AND (p.upper_ms < p.lower_ms OR p.estimate_ms < p.lower_ms OR p.estimate_ms > p.upper_ms)) AS badPops
        FROM rounds r ORDER BY r.probe_id, r.started_at_ms, r.id`,
      )
      .all() as (Omit<DbRound, 'serial'> & { serial: string })[];
    return rows.map((row) => ({ ...row, serial: BigInt(row.serial) }));
  } finally {
    db.close();
  }
}
