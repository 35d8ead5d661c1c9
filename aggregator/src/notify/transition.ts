/**
 * A state change, as the webhooks carry it: decided once, with an id that is
 * its own (not a delivery's), so every target and every retry of it carries
 * the same `webhook-id` and a receiver that dedups by it sees it once. With
 * storage shared by replicas (issue 16) the id is stored with the transition
 * in the outbox row written where it is decided.
 */
import { randomBytes } from 'node:crypto';
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
