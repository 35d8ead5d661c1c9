/**
 * A state change, as the webhooks carry it: decided once, with an id that is
 * its own (not a delivery's), so every target and every retry of it carries
 * the same `webhook-id` and a receiver that dedups by it sees it once. The id
 * is derived from the change itself (from which state since when, to which
 * state since when), so whoever computes it for the same change gets the same
 * id; with storage shared by replicas (issue 16) it is stored with the
 * transition in the outbox row written where it is decided.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Status } from '@propwatch/shared';
import type { PopBreach } from '../status/pop-breaches.js';

export interface Transition {
  /** `msg_` + 22 base64url characters (128 random bits): a Standard Webhooks `webhook-id`, no dots. */
  id: string;
  status: Status;
  previous: Status;
  /** The POPs the alarm is raised on (findAlarmPops), worst first; empty unless status.state is alarm. */
  alarmPops: readonly PopBreach[];
}

/** A fresh message id: `msg_` + base64url of 16 random bytes. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/**
 * The id of the change from `previous` to `status`: `msg_` + base64url of the first 16 bytes of a SHA-256 over
 * both states and their `since`. The same change always gets the same id; two changes differ in at least one
 * of the four (a state only begins once at a given instant after the state it left began).
 */
export function transitionId(previous: Status, status: Status): string {
  const change = JSON.stringify([previous.state, previous.since, status.state, status.since]);
  return `msg_${createHash('sha256').update(change).digest().subarray(0, 16).toString('base64url')}`;
}
