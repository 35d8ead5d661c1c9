/**
 * Reads of rounds, their POP results, heads and probes: the SQLite store's
 * queries in PostgreSQL. Lists whose rounds and POP results must agree read
 * in one REPEATABLE READ transaction (one snapshot).
 */
import type { PopResult, RoundState } from '@propwatch/shared';
import { type PopRow, type RoundRow, popFromRow, roundFromRow, withPops } from '../round-rows.js';
import type { ProbeRecord, RoundHead, RoundRef, StoredRound } from '../round-store.js';
import type { PgPool } from './pg-pool.js';

/** A probe's rounds, newest first in its sequence (round-sequence.ts). */
const IN_SEQUENCE = 'serial_key DESC, first_received_at DESC, round_id DESC';
/** Rounds of all probes, newest first: order_ms, then the sequence (see sqlite-store.ts). */
const ACROSS_PROBES = `order_ms DESC, ${IN_SEQUENCE}`;

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

function latestSql(probe: string | undefined): { sql: string; params: unknown[] } {
  return probe === undefined
    ? { sql: `SELECT * FROM rounds ORDER BY ${ACROSS_PROBES} LIMIT $1`, params: [] }
    : { sql: `SELECT * FROM rounds WHERE probe_id = $2 ORDER BY ${IN_SEQUENCE} LIMIT $1`, params: [probe] };
}

export class PgRoundReads {
  readonly #db: PgPool;

  constructor(db: PgPool) {
    this.#db = db;
  }

  async latestRounds(options: { probe?: string | undefined; limit: number }): Promise<StoredRound[]> {
    const { sql, params } = latestSql(options.probe);
    return this.#db.transaction(
      'reading the latest rounds',
      async (q) => {
        const rounds = (await q.query<RoundRow>(sql, [options.limit, ...params])).rows;
        const pops = await q.query<PopRow>(
          'SELECT * FROM pop_results WHERE round_ref = ANY($1::bigint[]) ORDER BY round_ref, position',
          [rounds.map((row) => row.id)],
        );
        return withPops(rounds, pops.rows);
      },
      SNAPSHOT,
    );
  }

  async latestRoundRefs(options: { probe?: string | undefined; limit: number }): Promise<RoundRef[]> {
    const { sql, params } = latestSql(options.probe);
    const rows = await this.#db.query<RoundRow>('reading the latest rounds', sql, [options.limit, ...params]);
    return rows.map((row) => ({ ref: row.id, round: roundFromRow(row, []) }));
  }

  async popsOfRounds(refs: readonly number[]): Promise<Map<number, PopResult[]>> {
    const rows = await this.#db.query<PopRow>(
      'reading POP results',
      'SELECT * FROM pop_results WHERE round_ref = ANY($1::bigint[]) ORDER BY round_ref, position',
      [refs],
    );
    const byRound = new Map<number, PopResult[]>();
    for (const row of rows) {
      const list = byRound.get(row.round_ref) ?? [];
      list.push(popFromRow(row));
      byRound.set(row.round_ref, list);
    }
    return byRound;
  }

  async roundsSince(since: number): Promise<StoredRound[]> {
    return this.#db.transaction(
      'reading recent rounds',
      async (q) => {
        const rounds = await q.query<RoundRow>(
          `SELECT * FROM rounds WHERE received_at >= $1
            ORDER BY probe_id, serial_key, first_received_at, round_id`,
          [since],
        );
        const pops = await q.query<PopRow>(
          `SELECT p.* FROM pop_results p JOIN rounds r ON r.id = p.round_ref WHERE r.received_at >= $1
            ORDER BY p.round_ref, p.position`,
          [since],
        );
        return withPops(rounds.rows, pops.rows);
      },
      SNAPSHOT,
    );
  }

  async recentRoundHeads(probe: string, limit: number): Promise<RoundHead[]> {
    const rows = await this.#db.query<{
      round_id: string;
      serial: string;
      first_received_at: number;
      state: RoundState;
      write_error: string | null;
    }>(
      'reading round heads',
      `SELECT round_id, serial, first_received_at, state, write_error FROM rounds WHERE probe_id = $1
        ORDER BY ${IN_SEQUENCE} LIMIT $2`,
      [probe, limit],
    );
    return rows.map((row) => ({
      id: row.round_id,
      serial: row.serial,
      firstReceivedAt: row.first_received_at,
      state: row.state,
      ...(row.write_error === null ? {} : { writeError: row.write_error }),
    }));
  }

  async probes(): Promise<ProbeRecord[]> {
    const rows = await this.#db.query<{
      id: string;
      region: string;
      version: string;
      first_seen_at: number;
      last_seen_at: number;
      last_round_id: string;
      last_round_state: RoundState;
      max_wait_ms: number | null;
    }>('reading probes', 'SELECT * FROM probes ORDER BY id');
    return rows.map((row) => ({
      id: row.id,
      region: row.region,
      version: row.version,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      lastRoundId: row.last_round_id,
      lastRoundState: row.last_round_state,
      maxWaitMs: row.max_wait_ms,
    }));
  }

  async countRounds(from: number, to: number): Promise<number> {
    const rows = await this.#db.query<{ count: number }>(
      'counting rounds',
      'SELECT COUNT(*) AS count FROM rounds WHERE received_at >= $1 AND received_at < $2',
      [from, to],
    );
    return rows[0]?.count ?? 0;
  }

  /** Keyset paging down the (received_at, id) index. */
  async roundRefsReceived(options: {
    from: number;
    before: { receivedAt: number; ref: number };
    limit: number;
  }): Promise<RoundRef[]> {
    const { from, before, limit } = options;
    const rows = await this.#db.query<RoundRow>(
      'reading rounds by receive time',
      `SELECT * FROM rounds WHERE received_at >= $1 AND (received_at, id) < ($2, $3)
        ORDER BY received_at DESC, id DESC LIMIT $4`,
      [from, before.receivedAt, before.ref, limit],
    );
    return rows.map((row) => ({ ref: row.id, round: roundFromRow(row, []) }));
  }
}
