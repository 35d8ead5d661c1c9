/**
 * What the replicas stored, read straight from PostgreSQL with psql (the
 * cluster's superuser over its socket) after they stopped, for the HA chaos
 * test: the rounds, the transitions decided (the alarm history) and the
 * webhook outbox.
 */
import type { RoundState } from '@propwatch/shared';
import type { PostgresCluster } from '../../../test-support/postgres.js';
import type { StoredRoundState } from '../outage-helpers/compare-ledger.js';

const STATES = new Set<string>(['running', 'complete', 'write_failed']);

export interface PgRound extends StoredRoundState {
  serial: string;
}

function rows(cluster: PostgresCluster, database: string, sql: string, columns: number): string[][] {
  return cluster
    .psql(sql, database)
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const cells = line.split('|');
      if (cells.length !== columns) throw new Error(`expected ${columns} columns, got: ${line}`);
      return cells;
    });
}

export function readPgRounds(cluster: PostgresCluster, database: string): PgRound[] {
  return rows(cluster, database, 'SELECT probe_id, round_id, state, serial FROM rounds ORDER BY probe_id, id', 4).map(
    ([probe, id, state, serial]) => {
      if (!STATES.has(state!)) throw new Error(`unexpected round state ${state}`);
      return { probe: probe!, id: id!, state: state as RoundState, serial: serial! };
    },
  );
}

/**
 * Rounds stored twice under different ids: two rows of one probe with the same serial (each round writes
 * a new serial; the store's UNIQUE (probe_id, round_id) already rules out the same id twice).
 */
export function duplicateRounds(rounds: readonly PgRound[]): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const round of rounds) {
    const key = `${round.probe} serial ${round.serial}`;
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(`${key}: ${first} and ${round.id}`);
    else seen.set(key, round.id);
  }
  return duplicates;
}

export interface DecidedTransition {
  previous: string;
  state: string;
}

/** The alarm history: one row per transition decided (by whichever replica). */
export function readStateChanges(cluster: PostgresCluster, database: string): DecidedTransition[] {
  return rows(cluster, database, 'SELECT previous, state FROM state_changes ORDER BY at, id', 2).map(
    ([previous, state]) => ({ previous: previous!, state: state! }),
  );
}

export interface OutboxRow {
  webhookId: string;
  state: string;
  /** delivered, failed, … (empty while pending). */
  outcome: string;
  attempts: number;
}

export function readOutbox(cluster: PostgresCluster, database: string): OutboxRow[] {
  return rows(
    cluster,
    database,
    "SELECT webhook_id, state, coalesce(outcome, ''), attempts FROM webhook_outbox ORDER BY id",
    4,
  ).map(([webhookId, state, outcome, attempts]) => ({
    webhookId: webhookId!,
    state: state!,
    outcome: outcome!,
    attempts: Number(attempts),
  }));
}

/** Outbox rows not yet delivered or given up (a replica still owes them). */
export function pendingOutbox(cluster: PostgresCluster, database: string): number {
  return Number(cluster.psql('SELECT count(*) FROM webhook_outbox WHERE done_at IS NULL', database).trim());
}
