/**
 * TransitionStore on SQLite: the status row, the alarm history line and the outbox rows in one transaction
 * (BEGIN IMMEDIATE, so two processes on one file serialise on the write lock and the version check is exact).
 * One process is the normal case; the claim is a plain UPDATE … RETURNING inside that transaction.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Status } from '@propwatch/shared';
import type { StateChangeLog } from './state-change-log.js';
import {
  type CommitResult,
  type CommitTransition,
  MAX_OUTBOX_ROWS,
  type OutboxClaim,
  type OutboxOutcome,
  type StatusRow,
  type TransitionStore,
} from './transition-store.js';

interface ClaimRow {
  id: number;
  webhook_id: string;
  target: string;
  state: string;
  body: string;
  attempts: number;
  claimed_until: number;
  claim_token: string;
}

/** A status as stored: JSON checked by the reader (status-plugin), never trusted here. */
function parseStatus(text: string | null): Status | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Status;
  } catch {
    return null;
  }
}

export class SqliteTransitions implements TransitionStore {
  readonly #sql;
  readonly #commit;
  readonly #claim;

  constructor(db: Database.Database, changes: StateChangeLog) {
    this.#sql = {
      row: db.prepare('SELECT version, status FROM status_row WHERE id = 1'),
      bump: db.prepare('UPDATE status_row SET version = version + 1, status = ? WHERE id = 1 AND version = ?'),
      queue: db.prepare(`INSERT INTO webhook_outbox (webhook_id, target, state, body, created_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id, target) DO NOTHING`),
      cap: db.prepare(`DELETE FROM webhook_outbox WHERE id <=
        (SELECT id FROM webhook_outbox ORDER BY id DESC LIMIT 1 OFFSET ?)`),
      claim: db.prepare(`UPDATE webhook_outbox SET attempts = attempts + 1, claimed_until = ?, claim_token = ?
        WHERE id = (SELECT id FROM webhook_outbox WHERE target = ? AND done_at IS NULL AND next_attempt_at <= ?
          AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT 1)
        RETURNING id, webhook_id, target, state, body, attempts, claimed_until, claim_token`),
      delivered: db.prepare(`UPDATE webhook_outbox SET done_at = ?, outcome = 'delivered', claimed_until = NULL
        WHERE id = ? AND done_at IS NULL`),
      retry: db.prepare(`UPDATE webhook_outbox SET next_attempt_at = ?, last_error = ?, claimed_until = NULL
        WHERE id = ? AND claim_token = ? AND done_at IS NULL`),
      failed: db.prepare(`UPDATE webhook_outbox SET done_at = ?, outcome = 'failed', last_error = ?,
        claimed_until = NULL WHERE id = ? AND claim_token = ? AND done_at IS NULL`),
      nextDue: db.prepare(`SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, 0))) AS due FROM webhook_outbox
        WHERE target = ? AND done_at IS NULL`),
      prune: db.prepare('DELETE FROM webhook_outbox WHERE COALESCE(done_at, created_at) < ?'),
    };
    const sql = this.#sql;
    this.#commit = db.transaction((input: CommitTransition): CommitResult => {
      const bumped = sql.bump.run(JSON.stringify(input.status), input.expectedVersion).changes === 1;
      if (bumped) {
        if (input.change) changes.record(input.change);
        for (const d of input.deliveries) sql.queue.run(d.webhookId, d.target, d.state, d.body, input.now, input.now);
        sql.cap.run(MAX_OUTBOX_ROWS);
      }
      return { committed: bumped, current: this.#readRow() };
    });
    this.#claim = db.transaction((target: string, now: number, leaseMs: number) => {
      const token = randomBytes(12).toString('base64url');
      return sql.claim.get(now + leaseMs, token, target, now, now) as ClaimRow | undefined;
    });
  }

  #readRow(): StatusRow {
    const row = this.#sql.row.get() as { version: number; status: string | null } | undefined;
    return { version: row?.version ?? 0, status: parseStatus(row?.status ?? null) };
  }

  async statusRow(): Promise<StatusRow> {
    return this.#readRow();
  }

  async commitTransition(input: CommitTransition): Promise<CommitResult> {
    return this.#commit.immediate(input);
  }

  async claimOutbox(target: string, now: number, leaseMs: number): Promise<OutboxClaim | null> {
    const row = this.#claim.immediate(target, now, leaseMs);
    if (!row) return null;
    return {
      id: row.id,
      webhookId: row.webhook_id,
      target: row.target,
      state: row.state,
      body: row.body,
      attempt: row.attempts,
      claimedUntil: row.claimed_until,
      token: row.claim_token,
    };
  }

  async finishOutbox(claim: OutboxClaim, outcome: OutboxOutcome, now: number): Promise<void> {
    // Delivered is recorded whoever holds the claim now: the receiver has it, a later claim need not send it again.
    if (outcome.kind === 'delivered') this.#sql.delivered.run(now, claim.id);
    else if (outcome.kind === 'retry') this.#sql.retry.run(outcome.at, outcome.error, claim.id, claim.token);
    else this.#sql.failed.run(now, outcome.error, claim.id, claim.token);
  }

  async nextOutboxDue(target: string): Promise<number | null> {
    return (this.#sql.nextDue.get(target) as { due: number | null }).due;
  }

  /** Deletes outbox rows done (or queued, if never done) before `olderThan`. */
  prune(olderThan: number): number {
    return this.#sql.prune.run(olderThan).changes;
  }
}
