/**
 * The part of the store that lets several aggregator replicas decide each status transition once and send each
 * webhook once (issue 16): a versioned status row, and an outbox of webhook deliveries written in the same
 * transaction as the transition that causes them. Whoever commits with the stored version decides the
 * transition; a replica whose commit finds a newer version adopts the stored status instead. Deliverers claim
 * due outbox rows with a lease (claimed_until): a replica that dies mid-delivery leaves its row to be claimed
 * again once the lease ends, and the receiver dedups by the row's webhook-id.
 */
import type { Status } from '@propwatch/shared';
import type { StateChangeRecord } from './state-change-log.js';

/** The decided status: its version counts commits (0 = nothing decided yet on this database). */
export interface StatusRow {
  version: number;
  /** The status as decided (null before the first commit). */
  status: Status | null;
}

/** One webhook message for one target, queued by the transition that causes it. */
export interface OutboxDelivery {
  /** The transition's id (transition.ts): the same for every target and every attempt. */
  webhookId: string;
  /** Names the target without its URL (a URL carries its secret): outbox-targets.ts. */
  target: string;
  /** The status state it tells of, for logs. */
  state: string;
  body: string;
}

export interface CommitTransition {
  /** The version the transition was decided from; the commit happens only if it is still the stored one. */
  expectedVersion: number;
  status: Status;
  /** The alarm history line (null for the first status of a new database: no change). */
  change: StateChangeRecord | null;
  deliveries: readonly OutboxDelivery[];
  /** When the outbox rows become due (ms since epoch, the deliverers' clock). */
  now: number;
}

export interface CommitResult {
  /** Whether this commit decided the transition; false when another commit took the version first. */
  committed: boolean;
  /** The stored status after the attempt: this one, or the one that won. */
  current: StatusRow;
}

/** A claimed outbox row: the claimer alone may deliver it until `claimedUntil`. */
export interface OutboxClaim {
  id: number;
  webhookId: string;
  target: string;
  state: string;
  body: string;
  /** Attempts including this one (a claim counts as an attempt, so a row that kills its deliverer gives up too). */
  attempt: number;
  claimedUntil: number;
  /** Identifies this claim: a later claim of the same row (after the lease) makes this one's outcome moot. */
  token: string;
}

/** What became of a claimed delivery. */
export type OutboxOutcome =
  { kind: 'delivered' } | { kind: 'retry'; at: number; error: string } | { kind: 'failed'; error: string };

/** Outbox rows kept at most: the oldest go beyond it (a flapping state cannot fill the disk). */
export const MAX_OUTBOX_ROWS = 10_000;

export interface TransitionStore {
  /** The decided status and its version. */
  statusRow(): Promise<StatusRow>;
  /**
   * In one transaction: if the stored version is `expectedVersion`, stores the status with the version bumped,
   * the alarm history line and one outbox row per delivery (UNIQUE (webhook_id, target): the same transition
   * queued twice is one row); otherwise changes nothing. Either way answers the stored status.
   */
  commitTransition(input: CommitTransition): Promise<CommitResult>;
  /**
   * Claims the oldest due row of `target` not claimed by anyone (or whose claim expired at `now`) until
   * `now + leaseMs`; null when there is none.
   */
  claimOutbox(target: string, now: number, leaseMs: number): Promise<OutboxClaim | null>;
  /** Records a claim's outcome; a no-op when the row was claimed again since (the lease ran out). */
  finishOutbox(claim: OutboxClaim, outcome: OutboxOutcome, now: number): Promise<void>;
  /** When `target`'s next row can be claimed (its due time, or when its lease ends); null when none is pending. */
  nextOutboxDue(target: string): Promise<number | null>;
}
