/**
 * The order of a probe's rounds: by canary serial, never by the probe's wall
 * clock. A serial is a per-probe sequence — `max(now_ms, last + 1)`, persisted
 * by the probe, compared as BigInt — so a clock step backwards cannot make a
 * new round look older, and a step forwards only moves the sequence on (it
 * keeps increasing from there). `startedAt` is the probe's wall clock: one
 * report dated 2099 used to hide every later round of its probe. The
 * aggregator's receive time is no better: after an outage the probe's spool
 * delivers the newest round first, so a replayed older round would look newer.
 *
 * Ties (only a misbehaving probe reuses a serial under another round id) go
 * to the round first received later, then to the larger round id, so the
 * order is total and the same in SQL (`serial_key`, `first_received_at`,
 * `round_id`) and here.
 */
import type { StoredRound } from './round-store.js';

/** What places a round in its probe's sequence. */
export type RoundPosition = Pick<StoredRound, 'id' | 'serial' | 'firstReceivedAt'>;

const SERIAL_DIGITS = 20;

/**
 * The serial as 20 digits without its leading zeros, left-padded: text that
 * sorts like the number. Serials are up to 20 decimal digits (more than an
 * SQLite INTEGER holds) and may carry leading zeros per the wire schema.
 */
export function serialKey(serial: string): string {
  return serial.replace(/^0+/, '').padStart(SERIAL_DIGITS, '0');
}

/** Negative when `a` comes before `b` in its probe's sequence, positive after, 0 for the same round. */
export function compareRounds(a: RoundPosition, b: RoundPosition): number {
  const serialA = BigInt(a.serial);
  const serialB = BigInt(b.serial);
  if (serialA !== serialB) return serialA < serialB ? -1 : 1;
  if (a.firstReceivedAt !== b.firstReceivedAt) return a.firstReceivedAt - b.firstReceivedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether `a` comes after `b` in their probe's sequence. */
export function isLater(a: RoundPosition, b: RoundPosition): boolean {
  return compareRounds(a, b) > 0;
}
