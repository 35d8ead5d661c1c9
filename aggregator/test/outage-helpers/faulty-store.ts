/**
 * A RoundStore that can be made to fail its writes the way SQLite does when
 * the disk is full or the file turned read-only: the real SqliteRoundStore
 * underneath, and, while a fault is set, writes throw the SqliteError
 * better-sqlite3 would throw (reads keep working, as they do on a full disk).
 */
import Database from 'better-sqlite3';
import type { RoundReport } from '@propwatch/shared';
import type { RollupLevel } from '../../src/rollup/rollup-plan.js';
import type { RollupQuery } from '../../src/storage/rollup-reader.js';
import type { RoundStore } from '../../src/storage/round-store.js';
import { SqliteRoundStore } from '../../src/storage/sqlite-store.js';
import type { StateChangeRecord } from '../../src/storage/state-change-log.js';
import type { CommitTransition, OutboxClaim, OutboxOutcome } from '../../src/storage/transition-store.js';

export type StorageFault = 'SQLITE_FULL' | 'SQLITE_READONLY';

const MESSAGES: Record<StorageFault, string> = {
  SQLITE_FULL: 'database or disk is full',
  SQLITE_READONLY: 'attempt to write a readonly database',
};

export class FaultyStore implements RoundStore {
  readonly inner: SqliteRoundStore;
  fault: StorageFault | null = null;
  /**
   * A full disk as SQLite meets it: report commits fail while a one-row write still fits in WAL space SQLite
   * already holds. Then only the readiness probe's plain write succeeds; its ballast write (new space) fails.
   */
  smallWritesSucceed = false;
  /** Writes refused while the fault was set. */
  refused = 0;

  constructor(path: string) {
    this.inner = new SqliteRoundStore({ path });
  }

  #check(): void {
    if (!this.fault) return;
    this.refused += 1;
    throw new Database.SqliteError(MESSAGES[this.fault], this.fault);
  }

  async upsertRound(report: RoundReport, receivedAt: number) {
    this.#check();
    return this.inner.upsertRound(report, receivedAt);
  }

  async recordStateChange(change: StateChangeRecord) {
    this.#check();
    return this.inner.recordStateChange(change);
  }

  async commitTransition(input: CommitTransition) {
    this.#check();
    return this.inner.commitTransition(input);
  }

  async claimOutbox(target: string, now: number, leaseMs: number) {
    this.#check();
    return this.inner.claimOutbox(target, now, leaseMs);
  }

  async finishOutbox(claim: OutboxClaim, outcome: OutboxOutcome, now: number) {
    this.#check();
    return this.inner.finishOutbox(claim, outcome, now);
  }

  statusRow = () => this.inner.statusRow();
  nextOutboxDue = (target: string) => this.inner.nextOutboxDue(target);

  async checkWritable(options: { ballastBytes?: number } = {}) {
    if (!this.smallWritesSucceed || options.ballastBytes) this.#check();
    return this.inner.checkWritable(options);
  }

  verifyFiles = () => this.inner.verifyFiles();

  latestRounds = (options: { probe?: string | undefined; limit: number }) => this.inner.latestRounds(options);
  roundsSince = (since: number) => this.inner.roundsSince(since);
  recentRoundHeads = (probe: string, limit: number) => this.inner.recentRoundHeads(probe, limit);
  latestRoundRefs = (options: { probe?: string | undefined; limit: number }) => this.inner.latestRoundRefs(options);
  popsOfRounds = (refs: readonly number[]) => this.inner.popsOfRounds(refs);
  rollupCells = (query: RollupQuery) => this.inner.rollupCells(query);
  slowestInRollup = (level: RollupLevel, from: number, to: number, series: number) =>
    this.inner.slowestInRollup(level, from, to, series);
  countRounds = (from: number, to: number) => this.inner.countRounds(from, to);
  roundRefsReceived = (options: { from: number; before: { receivedAt: number; ref: number }; limit: number }) =>
    this.inner.roundRefsReceived(options);
  popSeries = () => this.inner.popSeries();
  probes = () => this.inner.probes();
  stateChanges = (from: number, to: number, limit: number) => this.inner.stateChanges(from, to, limit);
  prune = (olderThan: number) => this.inner.prune(olderThan);
  addCatchmentChanges = (changes: Parameters<RoundStore['addCatchmentChanges']>[0]) =>
    this.inner.addCatchmentChanges(changes);
  catchmentChanges = (limit: number) => this.inner.catchmentChanges(limit);
  close = () => this.inner.close();
}
