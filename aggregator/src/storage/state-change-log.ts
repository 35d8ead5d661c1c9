/**
 * The alarm history: every status state change (ok → alarm, alarm → ok, → stale, …) as it happens, with its
 * reason, for the dashboard's "last 7 days" list. Bounded twice: pruned with the rounds by retention, and never
 * more than MAX_STATE_CHANGES rows (a flapping state cannot grow the table without limit; the oldest go).
 */
import type Database from 'better-sqlite3';
import type { AlarmState } from '@propwatch/shared';

export const MAX_STATE_CHANGES = 10_000;

export interface StateChangeRecord {
  /** Aggregator clock (ms since epoch) of the evaluation that changed the state. */
  at: number;
  state: AlarmState;
  previous: AlarmState;
  /** The status reason when the new state began. */
  reason: string;
  /** The POP named as worst then, if any. */
  pop: string | null;
  worstMs: number | null;
}

interface Row {
  at: number;
  state: AlarmState;
  previous: AlarmState;
  reason: string;
  pop: string | null;
  worst_ms: number | null;
}

const fromRow = (row: Row): StateChangeRecord => ({
  at: row.at,
  state: row.state,
  previous: row.previous,
  reason: row.reason,
  pop: row.pop,
  worstMs: row.worst_ms,
});

export class StateChangeLog {
  readonly #insert;
  readonly #cap;
  readonly #between;
  readonly #before;
  readonly #prune;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      'INSERT INTO state_changes (at, state, previous, reason, pop, worst_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#cap = db.prepare(
      `DELETE FROM state_changes WHERE id <= (SELECT id FROM state_changes ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    this.#between = db.prepare(
      'SELECT * FROM state_changes WHERE at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.#before = db.prepare('SELECT * FROM state_changes WHERE at < ? ORDER BY at DESC, id DESC LIMIT 1');
    this.#prune = db.prepare('DELETE FROM state_changes WHERE at < ?');
  }

  record(change: StateChangeRecord): void {
    this.#insert.run(change.at, change.state, change.previous, change.reason, change.pop, change.worstMs);
    this.#cap.run(MAX_STATE_CHANGES);
  }

  /** Changes in [from, to], newest first, at most `limit`; plus the last one before `from` (the state then). */
  list(from: number, to: number, limit: number): { changes: StateChangeRecord[]; before: StateChangeRecord | null } {
    const before = this.#before.get(from) as Row | undefined;
    return {
      changes: (this.#between.all(from, to, limit) as Row[]).map(fromRow),
      before: before ? fromRow(before) : null,
    };
  }

  prune(olderThan: number): number {
    return this.#prune.run(olderThan).changes;
  }
}
