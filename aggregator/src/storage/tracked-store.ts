/**
 * A RoundStore that reports the outcome of every write to a WriteHealth:
 * report commits, the readiness write, pruning and file checks. Readiness and
 * the log read the health; the store underneath stays unaware of it, so any
 * backend gets the same behaviour.
 */
import type { RoundReport } from '@propwatch/shared';
import type { CatchmentChange } from '../catchments/catchment-changes.js';
import { type PeerEvents, peerFeedSource } from '../replicas/peer-feed.js';
import type { RoundStore } from './round-store.js';
import type { StateChangeRecord } from './state-change-log.js';
import type { CommitTransition, OutboxClaim, OutboxOutcome } from './transition-store.js';
import type { WriteFailure, WriteHealth } from './write-health.js';

export interface WriteHealthEvents {
  /** A streak of failures started, or its cause changed. */
  onFailing(failure: WriteFailure, error: unknown): void;
  /** A write succeeded after a streak of failures. */
  onRecovered(ended: WriteFailure): void;
}

export function trackWrites(
  store: RoundStore,
  health: WriteHealth,
  now: () => number,
  events: WriteHealthEvents,
): RoundStore {
  const failed = (error: unknown): never => {
    if (health.failed(error, now())) events.onFailing(health.failure as WriteFailure, error);
    throw error;
  };
  const succeeded = () => {
    const ended = health.succeeded();
    if (ended) events.onRecovered(ended);
  };
  const write =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>, wrote: (result: R) => boolean = () => true) =>
    async (...args: A): Promise<R> => {
      const result = await method(...args).catch(failed);
      if (wrote(result)) succeeded();
      return result;
    };
  // A shared store's feed of other replicas' work (replicas/peer-feed.ts) passes through untouched.
  const peers = peerFeedSource(store);
  return {
    ...(peers ? { listenToPeers: (events: PeerEvents) => peers.listenToPeers(events) } : {}),
    // An `unchanged` report commits nothing, so it proves nothing about the disk.
    upsertRound: write(
      (report: RoundReport, receivedAt: number) => store.upsertRound(report, receivedAt),
      (result) => result.outcome !== 'unchanged',
    ),
    checkWritable: write((options?: { ballastBytes?: number }) => store.checkWritable(options)),
    prune: write((olderThan: number) => store.prune(olderThan)),
    recordStateChange: write((change: StateChangeRecord) => store.recordStateChange(change)),
    stateChanges: (from, to, limit) => store.stateChanges(from, to, limit),
    statusRow: () => store.statusRow(),
    commitTransition: write((input: CommitTransition) => store.commitTransition(input)),
    claimOutbox: write((target: string, now: number, leaseMs: number) => store.claimOutbox(target, now, leaseMs)),
    finishOutbox: write((claim: OutboxClaim, outcome: OutboxOutcome, now: number) =>
      store.finishOutbox(claim, outcome, now),
    ),
    nextOutboxDue: (target) => store.nextOutboxDue(target),
    addCatchmentChanges: write((changes: readonly CatchmentChange[]) => store.addCatchmentChanges(changes)),
    catchmentChanges: (limit) => store.catchmentChanges(limit),
    // A file check is no write: it can start a failure, never end one.
    verifyFiles: () => store.verifyFiles().catch(failed),
    latestRounds: (options) => store.latestRounds(options),
    latestRoundRefs: (options) => store.latestRoundRefs(options),
    popsOfRounds: (refs) => store.popsOfRounds(refs),
    roundsSince: (since) => store.roundsSince(since),
    recentRoundHeads: (probe, limit) => store.recentRoundHeads(probe, limit),
    rollupCells: (query) => store.rollupCells(query),
    slowestInRollup: (level, from, to, series) => store.slowestInRollup(level, from, to, series),
    countRounds: (from, to) => store.countRounds(from, to),
    roundRefsReceived: (options) => store.roundRefsReceived(options),
    popSeries: () => store.popSeries(),
    probes: () => store.probes(),
    close: () => store.close(),
  };
}
