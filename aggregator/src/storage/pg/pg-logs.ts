/**
 * The two bounded logs beside the rounds: status state changes (the alarm
 * history, capped at MAX_STATE_CHANGES) and catchment changes (capped at
 * MAX_CATCHMENT_CHANGES when pruning, as in SQLite). A state change and its cap run in one transaction.
 */
import type { AlarmState } from '@propwatch/shared';
import type { CatchmentChange } from '../../catchments/catchment-changes.js';
import { MAX_STATE_CHANGES, type StateChangeRecord } from '../state-change-log.js';
import type { PgPool } from './pg-pool.js';

interface StateRow {
  at: number;
  state: AlarmState;
  previous: AlarmState;
  reason: string;
  pop: string | null;
  worst_ms: number | null;
}

const stateFromRow = (row: StateRow): StateChangeRecord => ({
  at: row.at,
  state: row.state,
  previous: row.previous,
  reason: row.reason,
  pop: row.pop,
  worstMs: row.worst_ms,
});

/** Beyond the cap the oldest rows go, whatever the retention: a flapping state or route cannot fill the disk. */
export const capSql = (table: string) =>
  `DELETE FROM ${table} WHERE id <= (SELECT id FROM ${table} ORDER BY id DESC LIMIT 1 OFFSET $1)`;

export class PgLogs {
  readonly #db: PgPool;

  constructor(db: PgPool) {
    this.#db = db;
  }

  async recordStateChange(change: StateChangeRecord): Promise<void> {
    await this.#db.transaction('recording a state change', async (q) => {
      await q.query(
        'INSERT INTO state_changes (at, state, previous, reason, pop, worst_ms) VALUES ($1, $2, $3, $4, $5, $6)',
        [change.at, change.state, change.previous, change.reason, change.pop, change.worstMs],
      );
      await q.query(capSql('state_changes'), [MAX_STATE_CHANGES]);
    });
  }

  async stateChanges(from: number, to: number, limit: number) {
    return this.#db.transaction(
      'reading state changes',
      async (q) => {
        const before = await q.query<StateRow>(
          'SELECT * FROM state_changes WHERE at < $1 ORDER BY at DESC, id DESC LIMIT 1',
          [from],
        );
        const changes = await q.query<StateRow>(
          'SELECT * FROM state_changes WHERE at >= $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT $3',
          [from, to, limit],
        );
        const first = before.rows[0];
        return { changes: changes.rows.map(stateFromRow), before: first ? stateFromRow(first) : null };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async addCatchmentChanges(changes: readonly CatchmentChange[]): Promise<void> {
    if (changes.length === 0) return;
    const column = <T>(get: (change: CatchmentChange) => T) => changes.map(get);
    await this.#db.query(
      'storing catchment changes',
      `INSERT INTO catchment_changes (probe_id, via, from_pop, to_pop, round_id, at)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[])`,
      [
        column((c) => c.probe),
        column((c) => c.via),
        column((c) => c.fromPop),
        column((c) => c.toPop),
        column((c) => c.roundId),
        column((c) => c.at),
      ],
    );
  }

  async catchmentChanges(limit: number): Promise<CatchmentChange[]> {
    const rows = await this.#db.query<{
      probe_id: string;
      via: string;
      from_pop: string | null;
      to_pop: string | null;
      round_id: string;
      at: number;
    }>('reading catchment changes', 'SELECT * FROM catchment_changes ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((row) => ({
      probe: row.probe_id,
      via: row.via,
      fromPop: row.from_pop,
      toPop: row.to_pop,
      roundId: row.round_id,
      at: row.at,
    }));
  }
}
