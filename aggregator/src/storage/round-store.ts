/**
 * The storage interface. SQLite implements it today; a PostgreSQL backend can
 * follow so several aggregator replicas share state. Methods are async so a
 * networked backend fits the same shape.
 */
import type { PopResult, RoundReport, RoundState } from '@propwatch/shared';

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
  write: { submitToAckMs: number; error?: string };
  pops: PopResult[];
  /** Aggregator wall clock (ms since epoch) of the first report of this round. */
  firstReceivedAt: number;
  /** Aggregator wall clock (ms since epoch) of the report now stored. */
  receivedAt: number;
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
  lastRoundId: string;
  lastRoundState: RoundState;
}

export interface PopRecord {
  pop: string;
  targets: string[];
  lastSeenAt: number;
  observations: number;
}

export interface RoundStore {
  /** Inserts or advances a round; never moves a stored round backwards. Durable when it resolves. */
  upsertRound(report: RoundReport, receivedAt: number): Promise<UpsertResult>;
  /** Most recent rounds first (by probe start time), optionally of one probe. */
  latestRounds(options: { probe?: string | undefined; limit: number }): Promise<StoredRound[]>;
  /** Rounds whose latest report arrived at or after `since` (ms since epoch). */
  roundsSince(since: number): Promise<StoredRound[]>;
  /** States of a probe's most recent rounds, newest first. */
  recentRoundStates(probe: string, limit: number): Promise<RoundState[]>;
  /** POPs seen in rounds received at or after `since`. */
  popStats(since: number): Promise<PopRecord[]>;
  /** Every probe that ever reported (within retention). */
  probes(): Promise<ProbeRecord[]>;
  /** A cheap real write, for readiness. Throws when the database cannot be written. */
  checkWritable(): Promise<void>;
  /** Deletes rounds last received before `olderThan`; returns how many. */
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
