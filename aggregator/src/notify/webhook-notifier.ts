/**
 * Delivers webhook payloads without ever blocking ingest: `enqueue` only
 * appends to each URL's own bounded queue (see webhook-queue.ts), and every
 * URL is served by its own background worker, so one hanging or failing
 * receiver never delays the alarm to the others.
 */
import { type WebhookDeliveryOptions, WebhookQueue } from './webhook-queue.js';
import type { WebhookPayload } from './webhook-payload.js';

export interface WebhookNotifierOptions extends WebhookDeliveryOptions {
  urls: readonly string[];
}

export class WebhookNotifier {
  readonly #queues: readonly WebhookQueue[];

  constructor(options: WebhookNotifierOptions) {
    const { urls, ...delivery } = options;
    this.#queues = urls.map((url) => new WebhookQueue(url, delivery));
  }

  enqueue(payload: WebhookPayload): void {
    for (const queue of this.#queues) queue.enqueue(payload);
  }

  /** Resolves when every URL's queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.#queues.map((queue) => queue.idle()));
  }

  /** Stops accepting work; deliveries in progress finish their current attempt. */
  close(): void {
    for (const queue of this.#queues) queue.close();
  }
}
