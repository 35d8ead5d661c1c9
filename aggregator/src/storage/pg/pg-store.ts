/**
 * RoundStore on PostgreSQL (node-postgres), for several aggregator replicas
 * sharing one database. Same contract as SqliteRoundStore; what differs:
 *
 * - Each report commits in its own transaction (no group commit: the pool
 *   runs reports of different probes in parallel; PostgreSQL's own group
 *   commit batches their WAL flushes). Durable when it resolves
 *   (synchronous_commit as the server is configured; on is the default).
 * - Opening does not connect. The schema is migrated before the first query
 *   (under an advisory lock, see pg-migrations.ts), and again on the next
 *   query after a failure. (The app reads the recent rounds at start, so an
 *   aggregator that cannot reach its database does not start, naming why.)
 * - Upserts of one probe are serialised across replicas by an advisory lock
 *   (pg-round-upsert.ts); each announces the round on ROUNDS_CHANNEL.
 * - verifyFiles checks nothing: the database files are the server's to look
 *   after; a lost server shows in every write and in checkWritable.
 */
import { randomBytes } from 'node:crypto';
import type { PopResult, RoundReport } from '@propwatch/shared';
import type { CatchmentChange } from '../../catchments/catchment-changes.js';
import type { RollupLevel } from '../../rollup/rollup-plan.js';
import type {
  ProbeRecord,
  RoundHead,
  RoundRef,
  RoundStore,
  SeriesRecord,
  StoredRound,
  UpsertResult,
} from '../round-store.js';
import type { RollupCellRow, RollupQuery } from '../rollup-reader.js';
import type { StateChangeRecord } from '../state-change-log.js';
import { type PgConnectionOptions, pgConnection } from './pg-connection.js';
import { PgLogs } from './pg-logs.js';
import { migratePg } from './pg-migrations.js';
import { PgPool } from './pg-pool.js';
import { prunePg } from './pg-prune.js';
import { PgRollupReads } from './pg-rollup-read.js';
import { writeRollups } from './pg-rollup-write.js';
import { PgRoundReads } from './pg-round-reads.js';
import { upsertRoundRow } from './pg-round-upsert.js';
import { ROUNDS_CHANNEL, roundNotificationPayload } from './notify-channel.js';

export interface PgStoreOptions extends PgConnectionOptions {
  /** Told when a pooled idle connection breaks (the pool drops it; the next query opens another). */
  onConnectionError?: (error: Error) => void;
}

export class PgRoundStore implements RoundStore {
  readonly #db: PgPool;
  readonly #reads: PgRoundReads;
  readonly #rollups: PgRollupReads;
  readonly #logs: PgLogs;
  /** The migration in flight or done; reset after a failure so the next call tries again. */
  #schema: Promise<void> | null = null;
  #closed = false;
  /** The URL without its password, for log lines. */
  readonly safeUrl: string;

  constructor(options: PgStoreOptions) {
    const connection = pgConnection(options);
    this.safeUrl = connection.safeUrl;
    this.#db = new PgPool(connection, options.onConnectionError ?? (() => undefined));
    this.#reads = new PgRoundReads(this.#db);
    this.#rollups = new PgRollupReads(this.#db);
    this.#logs = new PgLogs(this.#db);
  }

  /** Migrates the schema (once per process, retried after a failure); every method awaits it first. */
  async ready(): Promise<void> {
    if (this.#closed) throw new Error('the PostgreSQL store is closed');
    this.#schema ??= this.#db
      .transaction('migrating the schema', async (q) => void (await migratePg(q)))
      .catch((error: unknown) => {
        this.#schema = null;
        throw error;
      });
    return this.#schema;
  }

  async upsertRound(report: RoundReport, receivedAt: number): Promise<UpsertResult> {
    await this.ready();
    return this.#db.transaction('storing a report', async (q) => {
      const { result, ref } = await upsertRoundRow(q, report, receivedAt);
      if (result.outcome === 'unchanged') return result;
      await writeRollups(q, result, ref, receivedAt);
      const payload = { probe: report.probe.id, round: report.round.id, ref, outcome: result.outcome };
      await q.query('SELECT pg_notify($1, $2)', [ROUNDS_CHANNEL, roundNotificationPayload(payload)]);
      return result;
    });
  }

  async latestRounds(options: { probe?: string | undefined; limit: number }): Promise<StoredRound[]> {
    await this.ready();
    return this.#reads.latestRounds(options);
  }

  async latestRoundRefs(options: { probe?: string | undefined; limit: number }): Promise<RoundRef[]> {
    await this.ready();
    return this.#reads.latestRoundRefs(options);
  }

  async popsOfRounds(refs: readonly number[]): Promise<Map<number, PopResult[]>> {
    await this.ready();
    return this.#reads.popsOfRounds(refs);
  }

  async roundsSince(since: number): Promise<StoredRound[]> {
    await this.ready();
    return this.#reads.roundsSince(since);
  }

  async recentRoundHeads(probe: string, limit: number): Promise<RoundHead[]> {
    await this.ready();
    return this.#reads.recentRoundHeads(probe, limit);
  }

  async rollupCells(query: RollupQuery): Promise<RollupCellRow[]> {
    await this.ready();
    return this.#rollups.cells(query);
  }

  async slowestInRollup(level: RollupLevel, from: number, to: number, series: number) {
    await this.ready();
    return this.#rollups.slowest(level, from, to, series);
  }

  async countRounds(from: number, to: number): Promise<number> {
    await this.ready();
    return this.#reads.countRounds(from, to);
  }

  async roundRefsReceived(options: {
    from: number;
    before: { receivedAt: number; ref: number };
    limit: number;
  }): Promise<RoundRef[]> {
    await this.ready();
    return this.#reads.roundRefsReceived(options);
  }

  async popSeries(): Promise<SeriesRecord[]> {
    await this.ready();
    return this.#rollups.series();
  }

  async probes(): Promise<ProbeRecord[]> {
    await this.ready();
    return this.#reads.probes();
  }

  /**
   * A real write: the health row, committed. With `ballastBytes`, random (incompressible, so TOAST cannot shrink
   * it) bytes written and cleared again, which needs that much free space on the server.
   */
  async checkWritable(options: { ballastBytes?: number } = {}): Promise<void> {
    await this.ready();
    const now = Date.now();
    await this.#db.query(
      'the readiness write',
      'INSERT INTO health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at',
      [now],
    );
    if (options.ballastBytes) {
      await this.#db.query('the readiness write', 'UPDATE health SET ballast = $1 WHERE id = 1', [
        randomBytes(options.ballastBytes),
      ]);
      await this.#db.query('the readiness write', 'UPDATE health SET ballast = NULL WHERE id = 1');
    }
  }

  /** Nothing to check: PostgreSQL owns its files. A lost or read-only server shows in every write instead. */
  async verifyFiles(): Promise<void> {}

  async recordStateChange(change: StateChangeRecord): Promise<void> {
    await this.ready();
    return this.#logs.recordStateChange(change);
  }

  async stateChanges(from: number, to: number, limit: number) {
    await this.ready();
    return this.#logs.stateChanges(from, to, limit);
  }

  async addCatchmentChanges(changes: readonly CatchmentChange[]): Promise<void> {
    await this.ready();
    return this.#logs.addCatchmentChanges(changes);
  }

  async catchmentChanges(limit: number): Promise<CatchmentChange[]> {
    await this.ready();
    return this.#logs.catchmentChanges(limit);
  }

  async prune(olderThan: number): Promise<number> {
    await this.ready();
    return prunePg(this.#db, olderThan);
  }

  /** Waits for queries in flight, then closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.end();
  }
}
