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
import { standardWebhookHeaders } from './standard-webhooks.js';

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
    const { maxAttempts, retryBaseMs, timeoutMs, log } = this.options;
    const post = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? defaultSleep;
    const url = maskUrl(this.url);
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts && !this.#closed; attempt++) {
      try {
        const response = await post(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'propwatch-aggregator',
            // The attempt's time, so a receiver can refuse a replay; the id stays the message's.
            ...standardWebhookHeaders(payload.id, Math.floor(this.options.now() / 1000), payload.body, this.key),
          },
          body: payload.body,
          signal: AbortSignal.timeout(timeoutMs),
          // Never follow: fetch would re-send a 301/302/303 as a GET (a receiver's landing page then "accepts" it)
          // and chase a loop 20 times per attempt. A redirect is the receiver's misconfiguration, shown as such.
          redirect: 'manual',
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.options.count('delivered');
          log.info({ url, state: payload.state, webhookId: payload.id, attempt }, 'webhook delivered');
          return;
        }
        reason = describeStatus(response, this.url);
      } catch (error) {
        reason = describeFailure(error, timeoutMs);
      }
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

/** `HTTP 500`, or for a redirect where it pointed (masked: a Location may carry a secret as the URL does). */
function describeStatus(response: Response, url: string): string {
  if (response.status < 300 || response.status > 399) return `HTTP ${response.status}`;
  const location = response.headers.get('location');
  if (location === null) return `HTTP ${response.status} redirect without a Location (not followed)`;
  let target: string;
  try {
    target = maskUrl(new URL(location, url).href);
  } catch {
    target = '(invalid location)';
  }
  return `HTTP ${response.status} redirect to ${target} (not followed)`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // undici says only "fetch failed"; the cause names the socket error (ECONNREFUSED ...).
  return err.cause?.message ?? err.message;
}
