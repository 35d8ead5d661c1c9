/**
 * RoundStore on SQLite (better-sqlite3). WAL lets readers run beside the
 * writer. `synchronous=FULL` (default) fsyncs the WAL on every commit, so a
 * report acknowledged with a 2xx survives a power loss, not just a process
 * crash; NORMAL is faster but may lose the last commits on an OS crash.
 * Measured here, FULL still commits >30,000 small transactions per second.
 */
import Database from 'better-sqlite3';
import { type CatchmentChange, MAX_CATCHMENT_CHANGES } from '../catchments/catchment-changes.js';
import type { PopResult, RoundReport, RoundState } from '@propwatch/shared';
import { DbFiles } from './db-files.js';
import { migrate } from './migrations.js';
import { isFurtherAlong } from './round-order.js';
import { type PopRow, type RoundRow, popFromRow, popToParams, roundFromRow, withPops } from './round-rows.js';
import { serialKey } from './round-sequence.js';
import {
  type ProbeRecord,
  type RoundHead,
  type RoundRef,
  type SeriesRecord,
  RoundConflictError,
  type RoundStore,
  type StoredRound,
  type UpsertResult,
} from './round-store.js';
import { type RollupCellRow, type RollupQuery, RollupReader } from './rollup-reader.js';
import { LEVELS, LEVEL_MS } from '../rollup/rollup-plan.js';
import { ROLLUP_TABLE } from './rollup-sql.js';
import { RollupWriter } from './rollup-writer.js';
import { type StateChangeRecord, StateChangeLog } from './state-change-log.js';
import { SqliteTransitions } from './sqlite-transitions.js';
import type { CommitTransition, OutboxClaim, OutboxOutcome } from './transition-store.js';

export interface SqliteStoreOptions {
  path: string;
  synchronous?: 'normal' | 'full';
}

interface PendingUpsert {
  report: RoundReport;
  receivedAt: number;
  resolve: (result: UpsertResult) => void;
  reject: (error: unknown) => void;
}

interface ChangeRow {
  probe_id: string;
  via: string;
  from_pop: string | null;
  to_pop: string | null;
  round_id: string;
  at: number;
}

/** Rows deleted per prune transaction, so pruning never holds the write lock (nor the event loop) for long. */
const PRUNE_BATCH = 5_000;

/** A probe's rounds, newest first in its sequence (round-sequence.ts: serial, then first arrival, then id). */
const IN_SEQUENCE = 'serial_key DESC, first_received_at DESC, round_id DESC';
/**
 * Rounds of all probes, newest first: by order_ms (start time, non-decreasing along each probe's sequence),
 * ties in sequence order (rounds of different probes that tie on all of it come in either order).
 */
const ACROSS_PROBES = `order_ms DESC, ${IN_SEQUENCE}`;
/** In the probes upsert: the incoming round is the probe's newest in its sequence (or the same round). */
const NEWEST = `(excluded.last_round_serial_key, excluded.last_round_first_received_at, excluded.last_round_id)
  >= (probes.last_round_serial_key, probes.last_round_first_received_at, probes.last_round_id)`;

/** Runs `deleteBatch(PRUNE_BATCH)` until it deletes less, yielding to the event loop between batches. */
async function deleteInBatches(deleteBatch: (limit: number) => number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = deleteBatch(PRUNE_BATCH);
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export class SqliteRoundStore implements RoundStore {
  readonly #db: Database.Database;
  readonly #sql;
  readonly #upsertTransaction;
  readonly #batchTransaction;
  /** Reports waiting for the next group commit. */
  #pending: PendingUpsert[] = [];
  /** The database and WAL files as opened: compared around each commit, so nothing is acknowledged into a lost file. */
  readonly #files: DbFiles;
  /** Rollups and series, written in each group commit and read in bounded slices. */
  readonly #rollups: RollupWriter;
  readonly #rollupReads: RollupReader;
  readonly #stateChanges: StateChangeLog;
  /** The decided status and the webhook outbox (sqlite-transitions.ts). */
  readonly #transitions: SqliteTransitions;

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#files = new DbFiles(options.path);
    const db = this.#db;
    this.#rollups = new RollupWriter(db);
    this.#rollupReads = new RollupReader(db);
    this.#stateChanges = new StateChangeLog(db);
    this.#transitions = new SqliteTransitions(db, this.#stateChanges);
    this.#upsertTransaction = db.transaction(this.#upsert);
    // Inside the batch transaction each report runs as a nested transaction,
    // which better-sqlite3 makes a SAVEPOINT: one bad report rolls back alone.
    this.#batchTransaction = db.transaction((batch: PendingUpsert[]) => {
      const outcomes = batch.map((item): { ok: true; result: UpsertResult } | { ok: false; error: unknown } => {
        try {
          const result = this.#upsertTransaction(item.report, item.receivedAt);
          this.#rollups.add(result, item.receivedAt);
          return { ok: true, result };
        } catch (error) {
          return { ok: false, error };
        }
      });
      // The batch's rollup cells and series, in the same transaction as its rounds.
      this.#rollups.flush();
      return outcomes;
    });
    this.#sql = {
      findRound: db.prepare('SELECT * FROM rounds WHERE probe_id = ? AND round_id = ?'),
      insertRound:
        db.prepare(`INSERT INTO rounds (probe_id, round_id, probe_region, probe_version, zone, record, state, elapsed_ms,
        submit_to_ack_ms, write_error, max_wait_ms, serial, serial_key, started_at, started_at_ms, order_ms,
        first_received_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // Serial and startedAt are fixed by the round's first report (a change is a RoundConflictError).
      updateRound: db.prepare(`UPDATE rounds SET probe_region = ?, probe_version = ?, zone = ?, record = ?, state = ?,
        elapsed_ms = ?, submit_to_ack_ms = ?, write_error = ?, max_wait_ms = ?, received_at = ? WHERE id = ?`),
      // order_ms (see migration 3): the start time, never below that of an earlier round in the sequence.
      orderBefore: db.prepare(`SELECT order_ms FROM rounds WHERE probe_id = ?
        AND (serial_key, first_received_at, round_id) < (?, ?, ?)
        ORDER BY serial_key DESC, first_received_at DESC, round_id DESC LIMIT 1`),
      // order_ms is non-decreasing along the sequence, so the rounds after a new one that are below it form a
      // run right after it: find where the run ends, then raise only the run (a replayed older round usually
      // has none; scanning every later round would make a replayed backlog quadratic).
      firstNotBelow: db.prepare(`SELECT serial_key, first_received_at, round_id FROM rounds WHERE probe_id = ?
        AND (serial_key, first_received_at, round_id) > (?, ?, ?) AND order_ms >= ?
        ORDER BY serial_key, first_received_at, round_id LIMIT 1`),
      raiseRun: db.prepare(`UPDATE rounds SET order_ms = ? WHERE probe_id = ?
        AND (serial_key, first_received_at, round_id) > (?, ?, ?)
        AND (serial_key, first_received_at, round_id) < (?, ?, ?)`),
      raiseRest: db.prepare(`UPDATE rounds SET order_ms = ? WHERE probe_id = ?
        AND (serial_key, first_received_at, round_id) > (?, ?, ?)`),
      popsOf: db.prepare('SELECT * FROM pop_results WHERE round_ref = ? ORDER BY position'),
      deletePops: db.prepare('DELETE FROM pop_results WHERE round_ref = ?'),
      insertPop: db.prepare(`INSERT INTO pop_results (round_ref, position, pop, target, nsid, state, lower_ms, upper_ms,
        estimate_ms, queries, failures, rtt_ms, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // A probe's spool replays older rounds after an outage: they prove the probe is alive (last_seen_at) but must
      // not replace its latest round (in its serial sequence), region, version or maxWaitMs. (Every SET expression
      // reads the row as it was.)
      upsertProbe: db.prepare(`INSERT INTO probes (id, region, version, first_seen_at, last_seen_at, last_round_id,
        last_round_state, last_round_started_at_ms, last_round_serial_key, last_round_first_received_at, max_wait_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
        last_seen_at = MAX(probes.last_seen_at, excluded.last_seen_at),
        region = IIF(${NEWEST}, excluded.region, probes.region),
        version = IIF(${NEWEST}, excluded.version, probes.version),
        last_round_id = IIF(${NEWEST}, excluded.last_round_id, probes.last_round_id),
        last_round_state = IIF(${NEWEST}, excluded.last_round_state, probes.last_round_state),
        last_round_started_at_ms = IIF(${NEWEST}, excluded.last_round_started_at_ms, probes.last_round_started_at_ms),
        max_wait_ms = IIF(${NEWEST}, excluded.max_wait_ms, probes.max_wait_ms),
        last_round_first_received_at = IIF(${NEWEST}, excluded.last_round_first_received_at, probes.last_round_first_received_at),
        last_round_serial_key = IIF(${NEWEST}, excluded.last_round_serial_key, probes.last_round_serial_key)`),
      latest: db.prepare(`SELECT * FROM rounds ORDER BY ${ACROSS_PROBES} LIMIT ?`),
      latestOfProbe: db.prepare(`SELECT * FROM rounds WHERE probe_id = ? ORDER BY ${IN_SEQUENCE} LIMIT ?`),
      // The POP results of those same rounds in one query each, rather than one query per round.
      latestPops: db.prepare(`SELECT * FROM pop_results WHERE round_ref IN
        (SELECT id FROM rounds ORDER BY ${ACROSS_PROBES} LIMIT ?) ORDER BY round_ref, position`),
      latestPopsOfProbe: db.prepare(`SELECT * FROM pop_results WHERE round_ref IN
        (SELECT id FROM rounds WHERE probe_id = ? ORDER BY ${IN_SEQUENCE} LIMIT ?) ORDER BY round_ref, position`),
      since: db.prepare(
        'SELECT * FROM rounds WHERE received_at >= ? ORDER BY probe_id, serial_key, first_received_at, round_id',
      ),
      // IN (subquery) rather than a join: with only a lower bound SQLite chose to scan every POP result
      // (2.3 s at start on 30 days of 3 probes × 14 POPs); this way it walks the received_at index.
      popsSince: db.prepare(`SELECT * FROM pop_results WHERE round_ref IN
        (SELECT id FROM rounds WHERE received_at >= ?) ORDER BY round_ref, position`),
      heads: db.prepare(`SELECT round_id, serial, first_received_at, state, write_error FROM rounds WHERE probe_id = ?
        ORDER BY ${IN_SEQUENCE} LIMIT ?`),
      probes: db.prepare('SELECT * FROM probes ORDER BY id'),
      touch: db.prepare(
        'INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at',
      ),
      ballast: db.prepare('UPDATE health SET ballast = zeroblob(?) WHERE id = 1'),
      prune: db.prepare('DELETE FROM rounds WHERE id IN (SELECT id FROM rounds WHERE received_at < ? LIMIT ?)'),
      pruneProbes: db.prepare('DELETE FROM probes WHERE last_seen_at < ?'),
      pruneCells: LEVELS.map((level) => ({
        levelMs: LEVEL_MS[level],
        statement: db.prepare(`DELETE FROM ${ROLLUP_TABLE[level]} WHERE (bucket, series) IN
          (SELECT bucket, series FROM ${ROLLUP_TABLE[level]} WHERE bucket <= ? LIMIT ?)`),
      })),
      pruneSeries: db.prepare('DELETE FROM pop_series WHERE last_seen_at < ?'),
      addChange: db.prepare(
        'INSERT INTO catchment_changes (probe_id, via, from_pop, to_pop, round_id, at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      changes: db.prepare('SELECT * FROM catchment_changes ORDER BY id DESC LIMIT ?'),
      pruneChanges: db.prepare('DELETE FROM catchment_changes WHERE at < ?'),
      // Beyond the cap the oldest go, whatever the retention: a probe whose route flaps every round cannot fill the disk.
      capChanges: db.prepare(`DELETE FROM catchment_changes WHERE id <=
        (SELECT id FROM catchment_changes ORDER BY id DESC LIMIT 1 OFFSET ?)`),
    };
  }

  #load(row: RoundRow): StoredRound {
    return roundFromRow(row, (this.#sql.popsOf.all(row.id) as PopRow[]).map(popFromRow));
  }

  #writePops(roundRef: number, pops: readonly PopResult[]): void {
    pops.forEach((pop, position) => this.#sql.insertPop.run(...popToParams(roundRef, position, pop)));
  }

  readonly #upsert = (report: RoundReport, receivedAt: number): UpsertResult => {
    const { probe, round } = report;
    const existing = this.#sql.findRound.get(probe.id, round.id) as RoundRow | undefined;
    const key = serialKey(round.serial);
    const startedAtMs = Date.parse(round.startedAt);
    const common = [
      round.zone,
      round.record,
      round.state,
      round.elapsedMs,
      round.write.submitToAckMs,
      round.write.error ?? null,
      round.maxWaitMs ?? null,
    ];
    let outcome: UpsertResult['outcome'];
    let previous: StoredRound | null = null;
    let ref: number;
    if (!existing) {
      const orderMs = this.#orderOf(probe.id, key, receivedAt, round.id, startedAtMs);
      const info = this.#sql.insertRound.run(
        probe.id,
        round.id,
        probe.region,
        probe.version,
        ...common,
        round.serial,
        key,
        round.startedAt,
        startedAtMs,
        orderMs,
        receivedAt,
        receivedAt,
      );
      ref = Number(info.lastInsertRowid);
      this.#writePops(ref, round.pops);
      outcome = 'inserted';
    } else {
      if (existing.serial_key !== key) throw new RoundConflictError('serial', existing.serial, round.serial);
      if (existing.started_at_ms !== startedAtMs)
        throw new RoundConflictError('startedAt', existing.started_at, round.startedAt);
      previous = this.#load(existing);
      ref = existing.id;
      if (!isFurtherAlong({ state: existing.state, elapsedMs: existing.elapsed_ms }, round)) {
        return { outcome: 'unchanged', previous, current: previous };
      }
      this.#sql.updateRound.run(probe.region, probe.version, ...common, receivedAt, ref);
      this.#sql.deletePops.run(ref);
      this.#writePops(ref, round.pops);
      outcome = 'updated';
    }
    const firstReceivedAt = previous?.firstReceivedAt ?? receivedAt;
    this.#sql.upsertProbe.run(
      probe.id,
      probe.region,
      probe.version,
      receivedAt,
      receivedAt,
      round.id,
      round.state,
      startedAtMs,
      key,
      firstReceivedAt,
      round.maxWaitMs ?? null,
    );
    const current: StoredRound = {
      probe: { ...probe },
      ...round,
      // As first stored (equal instants and numbers; the text may differ, e.g. leading zeros).
      serial: previous?.serial ?? round.serial,
      startedAt: previous?.startedAt ?? round.startedAt,
      firstReceivedAt,
      receivedAt,
    };
    return { outcome, previous, current };
  };

  /**
   * The new round's order_ms: its start time, or the order_ms of the round before it in its probe's sequence
   * when that is later (the probe's clock stepped back); rounds after it are raised to at least its own.
   */
  #orderOf(probe: string, key: string, firstReceivedAt: number, roundId: string, startedAtMs: number): number {
    const before = this.#sql.orderBefore.get(probe, key, firstReceivedAt, roundId) as { order_ms: number } | undefined;
    const orderMs = Math.max(startedAtMs, before?.order_ms ?? startedAtMs);
    const end = this.#sql.firstNotBelow.get(probe, key, firstReceivedAt, roundId, orderMs) as
      { serial_key: string; first_received_at: number; round_id: string } | undefined;
    if (end) {
      const { serial_key, first_received_at, round_id } = end;
      this.#sql.raiseRun.run(orderMs, probe, key, firstReceivedAt, roundId, serial_key, first_received_at, round_id);
    } else {
      this.#sql.raiseRest.run(orderMs, probe, key, firstReceivedAt, roundId);
    }
    return orderMs;
  }

  /**
   * Group commit: reports that arrive in the same event-loop turn are written
   * in one transaction, so with synchronous=FULL one fsync covers them all
   * (measured: about twice the ingest rate of a commit per report). Each
   * promise resolves only after that commit, so a 2xx still means stored.
   */
  upsertRound(report: RoundReport, receivedAt: number): Promise<UpsertResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ report, receivedAt, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending());
    });
  }

  #commitPending(): void {
    const batch = this.#pending;
    this.#pending = [];
    let outcomes;
    try {
      // Checked before and after the commit: a report is acknowledged only if the files it went into are
      // still the ones at the configured path once it is committed.
      const before = this.#files.check();
      if (before) throw before;
      try {
        outcomes = this.#batchTransaction.immediate(batch);
        this.#rollups.settle(true);
      } catch (error) {
        this.#rollups.settle(false);
        throw error;
      }
      const after = this.#files.check();
      if (after) throw after;
    } catch (error) {
      // The commit itself failed (disk full, read-only database) or went into unlinked files: nothing of the
      // batch is acknowledged, so the probes keep it spooled.
      for (const item of batch) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const item = batch[index]!;
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    });
  }

  async latestRounds(options: { probe?: string | undefined; limit: number }): Promise<StoredRound[]> {
    // One read transaction, so rounds and their POP results come from the same snapshot.
    return this.#db.transaction(() => {
      const { probe, limit } = options;
      const rows = (
        probe === undefined ? this.#sql.latest.all(limit) : this.#sql.latestOfProbe.all(probe, limit)
      ) as RoundRow[];
      const pops = (
        probe === undefined ? this.#sql.latestPops.all(limit) : this.#sql.latestPopsOfProbe.all(probe, limit)
      ) as PopRow[];
      return withPops(rows, pops);
    })();
  }

  async latestRoundRefs(options: { probe?: string | undefined; limit: number }): Promise<RoundRef[]> {
    const { probe, limit } = options;
    const rows = (
      probe === undefined ? this.#sql.latest.all(limit) : this.#sql.latestOfProbe.all(probe, limit)
    ) as RoundRow[];
    return rows.map((row) => ({ ref: row.id, round: roundFromRow(row, []) }));
  }

  async popsOfRounds(refs: readonly number[]): Promise<Map<number, PopResult[]>> {
    return this.#rollupReads.popsOf(refs);
  }

  async roundsSince(since: number): Promise<StoredRound[]> {
    return this.#db.transaction(() =>
      withPops(this.#sql.since.all(since) as RoundRow[], this.#sql.popsSince.all(since) as PopRow[]),
    )();
  }

  async recentRoundHeads(probe: string, limit: number): Promise<RoundHead[]> {
    const rows = this.#sql.heads.all(probe, limit) as {
      round_id: string;
      serial: string;
      first_received_at: number;
      state: RoundState;
      write_error: string | null;
    }[];
    return rows.map((row) => ({
      id: row.round_id,
      serial: row.serial,
      firstReceivedAt: row.first_received_at,
      state: row.state,
      ...(row.write_error === null ? {} : { writeError: row.write_error }),
    }));
  }

  async probes(): Promise<ProbeRecord[]> {
    const rows = this.#sql.probes.all() as {
      id: string;
      region: string;
      version: string;
      first_seen_at: number;
      last_seen_at: number;
      last_round_id: string;
      last_round_state: RoundState;
      max_wait_ms: number | null;
    }[];
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

  async checkWritable(options: { ballastBytes?: number } = {}): Promise<void> {
    await this.verifyFiles();
    this.#sql.touch.run(Date.now());
    if (options.ballastBytes) {
      // Two commits: writing the ballast needs new pages; clearing it again keeps the file from growing.
      this.#sql.ballast.run(options.ballastBytes);
      this.#sql.ballast.run(0);
    }
  }

  async verifyFiles(): Promise<void> {
    const gone = this.#files.check();
    if (gone) throw gone;
  }

  async prune(olderThan: number): Promise<number> {
    const total = await deleteInBatches((limit) => this.#sql.prune.run(olderThan, limit).changes);
    this.#sql.pruneProbes.run(olderThan);
    // A rollup cell goes once all of its minute (ten minutes, hour) is older than the cut.
    for (const { levelMs, statement } of this.#sql.pruneCells)
      await deleteInBatches((limit) => statement.run(olderThan - levelMs, limit).changes);
    if (this.#sql.pruneSeries.run(olderThan).changes > 0) this.#rollups.reloadSeries();
    this.#stateChanges.prune(olderThan);
    this.#transitions.prune(olderThan);
    this.#sql.pruneChanges.run(olderThan);
    this.#sql.capChanges.run(MAX_CATCHMENT_CHANGES);
    return total;
  }

  async recordStateChange(change: StateChangeRecord): Promise<void> {
    this.#stateChanges.record(change);
  }

  async statusRow() {
    return this.#transitions.statusRow();
  }

  async commitTransition(input: CommitTransition) {
    return this.#transitions.commitTransition(input);
  }

  async claimOutbox(target: string, now: number, leaseMs: number) {
    return this.#transitions.claimOutbox(target, now, leaseMs);
  }

  async finishOutbox(claim: OutboxClaim, outcome: OutboxOutcome, now: number) {
    return this.#transitions.finishOutbox(claim, outcome, now);
  }

  async nextOutboxDue(target: string) {
    return this.#transitions.nextOutboxDue(target);
  }

  async stateChanges(from: number, to: number, limit: number) {
    return this.#stateChanges.list(from, to, limit);
  }

  async addCatchmentChanges(changes: readonly CatchmentChange[]): Promise<void> {
    this.#db.transaction(() => {
      for (const c of changes) this.#sql.addChange.run(c.probe, c.via, c.fromPop, c.toPop, c.roundId, c.at);
    })();
  }

  async catchmentChanges(limit: number): Promise<CatchmentChange[]> {
    return (this.#sql.changes.all(limit) as ChangeRow[]).map((row) => ({
      probe: row.probe_id,
      via: row.via,
      fromPop: row.from_pop,
      toPop: row.to_pop,
      roundId: row.round_id,
      at: row.at,
    }));
  }

  async rollupCells(query: RollupQuery): Promise<RollupCellRow[]> {
    return this.#rollupReads.cells(query);
  }

  async slowestInRollup(level: RollupQuery['level'], from: number, to: number, series: number) {
    return this.#rollupReads.slowest(level, from, to, series);
  }

  async countRounds(from: number, to: number): Promise<number> {
    return this.#rollupReads.countRounds(from, to);
  }

  async roundRefsReceived(options: {
    from: number;
    before: { receivedAt: number; ref: number };
    limit: number;
  }): Promise<RoundRef[]> {
    return this.#rollupReads
      .roundsReceivedBefore(options)
      .map((row) => ({ ref: row.id, round: roundFromRow(row, []) }));
  }

  async popSeries(): Promise<SeriesRecord[]> {
    return this.#rollups.seriesRows();
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    if (this.#pending.length) this.#commitPending(); // reports accepted before close are committed, not dropped
    this.#db.close();
  }
}
