/**
 * One webhook URL's deliveries: a bounded queue (the oldest delivery is
 * dropped when full) served by its own background worker, with a timeout per
 * request and exponential backoff between a bounded number of attempts.
 * Each URL has its own queue so a receiver that hangs (attempts × timeout +
 * backoff, ~40 s with the defaults) delays only its own deliveries.
 * Failures are data: logged with the URL masked and counted. Redirects are
 * never followed: a 3xx is a failed attempt (logged with its masked Location)
 * and retried like any other failure.
 * Every attempt carries the Standard Webhooks headers: the message's own
 * `webhook-id` (the same on every retry), the attempt's `webhook-timestamp`
 * and, with the target's secret, `webhook-signature` over both and the body.
 */
import { maskUrl } from './mask-url.js';
import { attemptDelivery } from './webhook-attempt.js';

/** One message to one URL: its body is sent as is, and signed as sent. */
export interface WebhookMessage {
  /** `webhook-id`: a transition's id, or a fresh one for a re-sent Alertmanager sync. No dots. */
  id: string;
  body: string;
  /** The status state it tells of, for logs. */
  state: string;
}

type LogFn = (fields: object, message: string) => void;

export interface WebhookDeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Pending deliveries kept per URL. */
  queueSize: number;
  log: { info: LogFn; warn: LogFn; error: LogFn };
  count: (result: 'delivered' | 'failed' | 'dropped') => void;
  /** Aggregator clock (ms), for `webhook-timestamp`. */
  now: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class WebhookQueue {
  readonly #queue: WebhookMessage[] = [];
  #running: Promise<void> | null = null;
  #closed = false;

  /** `key`: the HMAC key of the target's `whsec_` secret; null sends no signature. */
  constructor(
    readonly url: string,
    private readonly options: WebhookDeliveryOptions,
    private readonly key: Buffer | null = null,
  ) {}

  enqueue(payload: WebhookMessage): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.options.queueSize) {
      const dropped = this.#queue.shift()!;
      this.options.count('dropped');
      this.options.log.warn(
        { url: maskUrl(this.url), state: dropped.state, webhookId: dropped.id },
        'webhook queue full; dropped the oldest delivery',
      );
    }
    this.#queue.push(payload);
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when this URL's queue is empty. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops accepting work; a delivery in progress finishes its current attempt. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      await this.#deliver(next);
    }
  }

  async #deliver(payload: WebhookMessage): Promise<void> {
    const { maxAttempts, retryBaseMs, log } = this.options;
    const sleep = this.options.sleep ?? defaultSleep;
    const url = maskUrl(this.url);
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts && !this.#closed; attempt++) {
      const result = await attemptDelivery(this.url, payload, this.key, this.options);
      if (result.ok) {
        this.options.count('delivered');
        log.info({ url, state: payload.state, webhookId: payload.id, attempt }, 'webhook delivered');
        return;
      }
      reason = result.reason;
      log.warn(
        { url, state: payload.state, webhookId: payload.id, attempt, maxAttempts, reason },
        'webhook attempt failed',
      );
      if (attempt < maxAttempts) await sleep(retryBaseMs * 2 ** (attempt - 1));
    }
    this.options.count('failed');
    log.error({ url, state: payload.state, webhookId: payload.id, reason }, 'webhook delivery failed; giving up');
  }
}
