/**
 * An `alertmanager` target: each transition, and every `resendMs` while
 * anything fires, becomes one POST of the alerts AlertmanagerSync says to send
 * (firing ones re-sent with endsAt ahead, gone ones resolved), through the
 * target's own queue. A transition's POST carries the transition's id; a
 * re-send is a message of its own with a fresh id.
 */
import type { AlertSnapshot } from './alertmanager-alerts.js';
import { AlertmanagerSync } from './alertmanager-sync.js';
import { newMessageId, type Transition } from './transition.js';
import type { WebhookQueue } from './webhook-queue.js';

/** endsAt of a firing alert is this many resend periods ahead (Prometheus uses 4 × its resend delay too). */
export const VALID_FOR_RESENDS = 4;

export class AlertmanagerTarget {
  readonly #sync: AlertmanagerSync;

  constructor(
    readonly queue: WebhookQueue,
    private readonly now: () => number,
    options: { dashboard: string; resendMs: number; labels: Readonly<Record<string, string>> },
  ) {
    this.#sync = new AlertmanagerSync({
      generatorURL: options.dashboard,
      validForMs: VALID_FOR_RESENDS * options.resendMs,
      labels: options.labels,
    });
  }

  notify(transition: Transition): void {
    this.#post(transition, transition.id);
  }

  /** Re-sends what fires (and resolves what no longer does) from the current state; nothing when all is quiet. */
  refresh(current: AlertSnapshot): void {
    this.#post(current, newMessageId());
  }

  #post(snapshot: AlertSnapshot, id: string): void {
    const alerts = this.#sync.sync(snapshot, this.now());
    if (alerts.length === 0) return;
    this.queue.enqueue({ id, body: JSON.stringify(alerts), state: snapshot.status.state });
  }
}
