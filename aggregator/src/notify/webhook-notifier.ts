/**
 * Delivers state changes to every webhook target without ever blocking
 * ingest: each target has its own bounded queue and background worker (see
 * webhook-queue.ts), so one hanging or failing receiver never delays the
 * others. Formats: `slack` (one POST per transition, webhook-payload.ts) and
 * `alertmanager` (Alertmanager's API, kept in step: alertmanager-target.ts).
 */
import type { AlertSnapshot } from './alertmanager-alerts.js';
import { AlertmanagerTarget } from './alertmanager-target.js';
import { signingKey } from './standard-webhooks.js';
import type { Transition } from './transition.js';
import { buildPayload, dashboardUrl } from './webhook-payload.js';
import { type WebhookDeliveryOptions, WebhookQueue } from './webhook-queue.js';

export interface WebhookTarget {
  url: string;
  format: 'slack' | 'alertmanager';
  /** Standard Webhooks `whsec_` secret: signs every attempt. */
  secret?: string | undefined;
  /** alertmanager: labels added to every alert. */
  labels?: Readonly<Record<string, string>> | undefined;
}

export interface WebhookNotifierOptions extends WebhookDeliveryOptions {
  targets: readonly WebhookTarget[];
  publicUrl: string;
  /** alertmanager targets: how often firing alerts are re-sent. */
  resendMs: number;
  /** The outbox deliverer of the targets sent through the outbox (outbox-deliverer.ts): idle and close cover it. */
  outbox?: { idle(): Promise<void>; close(): void; kick(): void };
}

interface SlackTarget {
  format: 'slack';
  queue: WebhookQueue;
}

export class WebhookNotifier {
  readonly #slack: SlackTarget[] = [];
  readonly #alertmanager: AlertmanagerTarget[] = [];
  readonly #publicUrl: string;
  readonly #outbox: WebhookNotifierOptions['outbox'];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WebhookNotifierOptions) {
    const { targets, publicUrl, resendMs, outbox, ...delivery } = options;
    this.#publicUrl = publicUrl;
    this.#outbox = outbox;
    for (const target of targets) {
      const queue = new WebhookQueue(target.url, delivery, target.secret ? signingKey(target.secret) : null);
      if (target.format === 'alertmanager')
        this.#alertmanager.push(
          new AlertmanagerTarget(queue, delivery.now, {
            dashboard: dashboardUrl(publicUrl),
            resendMs,
            labels: target.labels ?? {},
          }),
        );
      else this.#slack.push({ format: 'slack', queue });
    }
  }

  /** Queues a state change for every target: the transition's id is each message's `webhook-id`. */
  notify(transition: Transition): void {
    const { id, status, previous } = transition;
    if (this.#slack.length > 0) {
      const body = JSON.stringify(buildPayload(status, previous, this.#publicUrl));
      for (const { queue } of this.#slack) queue.enqueue({ id, body, state: status.state });
    }
    for (const target of this.#alertmanager) target.notify(transition);
  }

  /**
   * Alertmanager targets get the current state now and every `resendMs` from `current` (a restored alarm
   * reaches them at start; an alert stays active while it lasts; a POP leaving or joining an alarm that goes
   * on is caught up). No-op without alertmanager targets.
   */
  start(current: () => AlertSnapshot, resendMs: number): void {
    if (this.#alertmanager.length === 0) return;
    this.refresh(current);
    this.#timer = setInterval(() => this.refresh(current), resendMs);
    this.#timer.unref();
  }

  /** Brings the alertmanager targets in step with `current` now (e.g. a status another replica decided). */
  refresh(current: () => AlertSnapshot): void {
    if (this.#alertmanager.length === 0) return;
    const snapshot = current();
    for (const target of this.#alertmanager) target.refresh(snapshot);
  }

  /** The outbox changed elsewhere (a peer committed a transition): look for due rows now. */
  outboxChanged(): void {
    this.#outbox?.kick();
  }

  /** Resolves when every target's queue (and the outbox of this replica's targets) is empty (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#queues().map((queue) => queue.idle()), this.#outbox?.idle()]);
  }

  /** Stops re-sending and accepting work; deliveries in progress finish their current attempt. */
  close(): void {
    this.#outbox?.close();
    clearInterval(this.#timer);
    for (const queue of this.#queues()) queue.close();
  }

  #queues(): WebhookQueue[] {
    return [...this.#slack.map((target) => target.queue), ...this.#alertmanager.map((target) => target.queue)];
  }
}
