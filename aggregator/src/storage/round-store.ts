/**
 * The storage interface. SQLite implements it today; a PostgreSQL backend can
 * follow so several aggregator replicas share state. Methods are async so a
 * networked backend fits the same shape.
 */
import type { CatchmentChange } from '../catchments/catchment-changes.js';
import type { PopResult, RoundReport, RoundState } from '@propwatch/shared';
import type { RollupLevel } from '../rollup/rollup-plan.js';
import type { RollupCellRow, RollupQuery } from './rollup-reader.js';
import type { StateChangeRecord } from './state-change-log.js';
import type { TransitionStore } from './transition-store.js';

/** A round as stored: the latest accepted report plus when the aggregator received it. */
export interface StoredRound {
  probe: { id: string; region: string; version: string };
  id: string;
  zone: string;
  record: string;
  serial: string;
  startedAt: string;
  state: RoundState;
  elapsedMs: number;
  /** The probe's round.maxWaitMs, when it reports it. */
  maxWaitMs?: number;
  write: { submitToAckMs: number; error?: string };
  pops: PopResult[];
  /** Aggregator wall clock (ms since epoch) of the first report of this round. */
  firstReceivedAt: number;
  /** Aggregator wall clock (ms since epoch) of the report now stored. */
  receivedAt: number;
}

/** A stored round without its POP results, with its row reference (for reading those in slices). */
export interface RoundRef {
  ref: number;
  round: StoredRound;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface UpsertResult {
  outcome: UpsertOutcome;
  /** What was stored before this report (null when inserted). */
  previous: StoredRound | null;
  /** What is stored now: the report, or the newer round it lost against. */
  current: StoredRound;
}

export interface ProbeRecord {
  id: string;
  region: string;
  version: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** The probe's newest round in its serial sequence (a replayed older round does not replace it). */
  lastRoundId: string;
  lastRoundState: RoundState;
  /** The maxWaitMs that round reported (null when it did not). */
  maxWaitMs: number | null;
}

/** Where a round stands in its probe's sequence, and its state: enough for the write-failure streak. */
export interface RoundHead {
  id: string;
  serial: string;
  firstReceivedAt: number;
  state: RoundState;
  /** The write error of a write_failed round. */
  writeError?: string;
}

/**
 * A report of a stored round that changes what orders or dates it (serial,
 * startedAt). A round's place in its probe's sequence is fixed by its first
 * report; moving it later would let one report reorder the probe's history.
 */
export class RoundConflictError extends Error {
  constructor(
    readonly field: 'serial' | 'startedAt',
    readonly stored: string,
    readonly received: string,
  ) {
    super(`round ${field} is ${stored}, the report says ${received}`);
  }
}

/** A (probe, POP) series: what the rollups are kept per, and what the POP cap counts. */
export interface SeriesRecord {
  probe: string;
  pop: string;
  /** Aggregator clock of the latest report naming it (to the minute). */
  lastSeenAt: number;
}

export interface RoundStore extends TransitionStore {
  /**
   * Inserts or advances a round; never moves a stored round backwards. Durable when it resolves.
   * Rejects with RoundConflictError when the report changes a stored round's serial or startedAt.
   */
  upsertRound(report: RoundReport, receivedAt: number): Promise<UpsertResult>;
  /**
   * Most recent rounds first. One probe's rounds by their sequence (round-sequence.ts: serial, never the
   * probe's clock); across probes by start time made non-decreasing along each probe's sequence, so every
   * probe's rounds keep their sequence order in the list and a replayed backlog does not come first.
   */
  latestRounds(options: { probe?: string | undefined; limit: number }): Promise<StoredRound[]>;
  /** Like latestRounds, without the POP results (`round.pops` empty): cheap whatever the rounds hold. */
  latestRoundRefs(options: { probe?: string | undefined; limit: number }): Promise<RoundRef[]>;
  /** The POP results of the given rounds (by `RoundRef.ref`), in report order. */
  popsOfRounds(refs: readonly number[]): Promise<Map<number, PopResult[]>>;
  /** Rounds whose latest report arrived at or after `since` (ms since epoch). */
  roundsSince(since: number): Promise<StoredRound[]>;
  /** A probe's most recent rounds in its sequence, newest first. */
  recentRoundHeads(probe: string, limit: number): Promise<RoundHead[]>;
  /**
   * Rollup cells (finished POP results per series and 1 min, 10 min or 1 h) summed per step and group over one
   * slice [from, to). Callers keep slices small (see rollup-plan.ts) and yield between them.
   */
  rollupCells(query: RollupQuery): Promise<RollupCellRow[]>;
  /** The stored round and POP result behind the slowest result of `series` in [from, to), if still stored. */
  slowestInRollup(
    level: RollupLevel,
    from: number,
    to: number,
    series: number,
  ): Promise<{ round: StoredRound; pop: PopResult } | null>;
  /** Rounds whose latest report arrived in [from, to). */
  countRounds(from: number, to: number): Promise<number>;
  /**
   * A page of rounds whose latest report arrived at or after `from`, newest first (by receive time, then row),
   * strictly before `before` (the last head of the previous page), without their POP results.
   */
  roundRefsReceived(options: {
    from: number;
    before: { receivedAt: number; ref: number };
    limit: number;
  }): Promise<RoundRef[]>;
  /** Every (probe, POP) series within retention. */
  popSeries(): Promise<SeriesRecord[]>;
  /** Every probe that ever reported (within retention). */
  probes(): Promise<ProbeRecord[]>;
  /**
   * A real write, for readiness: a tiny one, or with `ballastBytes` one that needs that much new space (to tell
   * whether a full disk has room again). Throws when the database cannot be written or its files went away.
   */
  checkWritable(options?: { ballastBytes?: number }): Promise<void>;
  /** Throws when the database files were deleted or replaced under the running process (no write). */
  verifyFiles(): Promise<void>;
  /** Stores a status state change (the alarm history; bounded, see state-change-log.ts). Transitions decided
   * through commitTransition write theirs in the same transaction; this one is for history written apart. */
  recordStateChange(change: StateChangeRecord): Promise<void>;
  /** State changes in [from, to], newest first, at most `limit`, and the last one before `from`. */
  stateChanges(
    from: number,
    to: number,
    limit: number,
  ): Promise<{ changes: StateChangeRecord[]; before: StateChangeRecord | null }>;
  /** Stores catchment changes (catchment-changes.ts). */
  addCatchmentChanges(changes: readonly CatchmentChange[]): Promise<void>;
  /** The newest catchment changes (at most `limit`), newest first. */
  catchmentChanges(limit: number): Promise<CatchmentChange[]>;
  /**
   * Deletes rounds last received before `olderThan` (with their rollup cells and series, and the state changes
   * and catchment changes before it); returns how many rounds.
   */
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
