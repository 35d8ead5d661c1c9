/**
 * What a replica hears from the others through a shared store (PostgreSQL: LISTEN/NOTIFY, pg-listener.ts):
 * rounds stored by any replica and status transitions committed by any replica, each as stored (read back
 * after the notification, so a notification only says "look"). A store shared by no one (SQLite, one process)
 * has no feed. Notifications are lost while the listening connection is down; `catchUp` (at the first
 * connect, after every reconnect and after a failed read-back) is where the replica reads what it may have missed.
 */
import type { StoredRound } from '../storage/round-store.js';
import type { StatusRow } from '../storage/transition-store.js';

export interface PeerEvents {
  /** Rounds stored (by any replica, this one included), as stored now. */
  onRounds(rounds: readonly StoredRound[]): void;
  /** A status transition was committed (by any replica, this one included): the status row now. */
  onStatus(row: StatusRow): void;
  /** Listening (again), or a read-back failed: read what may have been missed. */
  catchUp(): void;
  /** The listening connection failed (it reconnects by itself); for the log. */
  onError(error: Error): void;
}

export interface PeerFeed {
  close(): Promise<void>;
}

/** A store several replicas share. */
export interface PeerFeedSource {
  listenToPeers(events: PeerEvents): PeerFeed;
}

/** The store's feed, if it is shared. */
export function peerFeedSource(store: object): PeerFeedSource | null {
  return 'listenToPeers' in store && typeof store.listenToPeers === 'function' ? (store as PeerFeedSource) : null;
}
