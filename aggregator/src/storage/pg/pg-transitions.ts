/**
 * TransitionStore on PostgreSQL: the versioned status row, the alarm history line and the outbox rows in one
 * transaction. Two replicas committing from the same version: the second UPDATE waits on the row lock and,
 * once the first commits, finds the version moved (READ COMMITTED re-checks the WHERE on the new row), so it
 * changes nothing and reads the winner. A commit announces the new version on STATUS_CHANNEL. Outbox claims
 * use `FOR UPDATE SKIP LOCKED`: replicas claiming at once take different rows, never wait on each other.
 */
import { randomBytes } from 'node:crypto';
import type { Status } from '@propwatch/shared';
import { MAX_STATE_CHANGES } from '../state-change-log.js';
import {
  type CommitResult,
  type CommitTransition,
  MAX_OUTBOX_ROWS,
  type OutboxClaim,
  type OutboxOutcome,
  type StatusRow,
  type TransitionStore,
} from '../transition-store.js';
import { capSql } from './pg-logs.js';
import type { PgPool, Queryable } from './pg-pool.js';

/** The LISTEN/NOTIFY channel of decided status transitions; the payload is the new version. */
export const STATUS_CHANNEL = 'propwatch_status';

/** The tables (PostgreSQL migration 2, pg-migrations.ts). */
export const TRANSITION_TABLES_SQL = `
  CREATE TABLE status_row (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, status text);
  INSERT INTO status_row (id, version, status) VALUES (1, 0, NULL);
  CREATE TABLE webhook_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id text NOT NULL,
    target text NOT NULL,
    state text NOT NULL,
    body text NOT NULL,
    created_at bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    claimed_until bigint,
    claim_token text,
    done_at bigint,
    outcome text,
    last_error text,
    UNIQUE (webhook_id, target)
  );
  CREATE INDEX webhook_outbox_pending ON webhook_outbox (target, id) WHERE done_at IS NULL;
`;

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

function parseStatus(text: string | null): Status | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Status;
  } catch {
    return null;
  }
}

async function readRow(q: Queryable): Promise<StatusRow> {
  const { rows } = await q.query<{ version: number; status: string | null }>(
    'SELECT version, status FROM status_row WHERE id = 1',
  );
  return { version: rows[0]?.version ?? 0, status: parseStatus(rows[0]?.status ?? null) };
}

export class PgTransitions implements TransitionStore {
  constructor(private readonly db: PgPool) {}

  async statusRow(): Promise<StatusRow> {
    return readRow(this.db.pool);
  }

  async commitTransition(input: CommitTransition): Promise<CommitResult> {
    return this.db.transaction('committing a status transition', async (q) => {
      const bumped = await q.query(
        'UPDATE status_row SET version = version + 1, status = $1 WHERE id = 1 AND version = $2',
        [JSON.stringify(input.status), input.expectedVersion],
      );
      if (bumped.rowCount !== 1) return { committed: false, current: await readRow(q) };
      const { change } = input;
      if (change) {
        await q.query(
          'INSERT INTO state_changes (at, state, previous, reason, pop, worst_ms) VALUES ($1, $2, $3, $4, $5, $6)',
          [change.at, change.state, change.previous, change.reason, change.pop, change.worstMs],
        );
        await q.query(capSql('state_changes'), [MAX_STATE_CHANGES]);
      }
      for (const d of input.deliveries)
        await q.query(
          `INSERT INTO webhook_outbox (webhook_id, target, state, body, created_at, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (webhook_id, target) DO NOTHING`,
          [d.webhookId, d.target, d.state, d.body, input.now],
        );
      if (input.deliveries.length > 0) await q.query(capSql('webhook_outbox'), [MAX_OUTBOX_ROWS]);
      const current = await readRow(q);
      // Delivered with the commit, and only if it commits: peers adopt the status, deliverers look for rows.
      await q.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, String(current.version)]);
      return { committed: true, current };
    });
  }

  async claimOutbox(target: string, now: number, leaseMs: number): Promise<OutboxClaim | null> {
    const token = randomBytes(12).toString('base64url');
    const rows = await this.db.query<ClaimRow>(
      'claiming a webhook delivery',
      `UPDATE webhook_outbox SET attempts = attempts + 1, claimed_until = $1, claim_token = $2
       WHERE id = (SELECT id FROM webhook_outbox WHERE target = $3 AND done_at IS NULL AND next_attempt_at <= $4
         AND (claimed_until IS NULL OR claimed_until <= $4) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, webhook_id, target, state, body, attempts, claimed_until, claim_token`,
      [now + leaseMs, token, target, now],
    );
    const row = rows[0];
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
    const doing = 'recording a webhook delivery';
    // Delivered is recorded whoever holds the claim now: the receiver has it, a later claim need not send it again.
    if (outcome.kind === 'delivered')
      await this.db.query(
        doing,
        `UPDATE webhook_outbox SET done_at = $1, outcome = 'delivered', claimed_until = NULL
         WHERE id = $2 AND done_at IS NULL`,
        [now, claim.id],
      );
    else if (outcome.kind === 'retry')
      await this.db.query(
        doing,
        `UPDATE webhook_outbox SET next_attempt_at = $1, last_error = $2, claimed_until = NULL
         WHERE id = $3 AND claim_token = $4 AND done_at IS NULL`,
        [outcome.at, outcome.error, claim.id, claim.token],
      );
    else
      await this.db.query(
        doing,
        `UPDATE webhook_outbox SET done_at = $1, outcome = 'failed', last_error = $2, claimed_until = NULL
         WHERE id = $3 AND claim_token = $4 AND done_at IS NULL`,
        [now, outcome.error, claim.id, claim.token],
      );
  }

  async nextOutboxDue(target: string): Promise<number | null> {
    const rows = await this.db.query<{ due: number | null }>(
      'reading the webhook outbox',
      `SELECT MIN(GREATEST(next_attempt_at, COALESCE(claimed_until, 0))) AS due FROM webhook_outbox
       WHERE target = $1 AND done_at IS NULL`,
      [target],
    );
    return rows[0]?.due ?? null;
  }

  /** Deletes outbox rows done (or queued, if never done) before `olderThan`. */
  async prune(olderThan: number): Promise<void> {
    await this.db.query('pruning', 'DELETE FROM webhook_outbox WHERE COALESCE(done_at, created_at) < $1', [olderThan]);
  }
}
