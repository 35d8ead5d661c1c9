/**
 * What the PostgreSQL store announces when a round is stored: every upsert
 * that changes a round runs `pg_notify(ROUNDS_CHANNEL, payload)` in its own
 * transaction, so the notification is delivered exactly when (and only if)
 * the round is committed. Other replicas LISTEN on the channel to learn of
 * rounds ingested elsewhere; the channel name and payload live only here.
 */

/** The LISTEN/NOTIFY channel of new and advanced rounds. */
export const ROUNDS_CHANNEL = 'propwatch_rounds';

/** The payload (JSON): which round changed, and its row reference in `rounds`. */
export interface RoundNotification {
  probe: string;
  round: string;
  ref: number;
  outcome: 'inserted' | 'updated';
}

/** The payload text sent with pg_notify (well under PostgreSQL's 8000-byte limit: ids are bounded by the schema). */
export function roundNotificationPayload(notification: RoundNotification): string {
  return JSON.stringify(notification);
}

/** Parses a payload received by LISTEN; null when it is not one of ours (anyone may NOTIFY a channel). */
export function parseRoundNotification(payload: string | undefined): RoundNotification | null {
  if (payload === undefined || payload.length > 8000) return null;
  try {
    const value = JSON.parse(payload) as Partial<RoundNotification> | null;
    if (
      value === null ||
      typeof value.probe !== 'string' ||
      typeof value.round !== 'string' ||
      typeof value.ref !== 'number' ||
      (value.outcome !== 'inserted' && value.outcome !== 'updated')
    )
      return null;
    return { probe: value.probe, round: value.round, ref: value.ref, outcome: value.outcome };
  } catch {
    return null;
  }
}
