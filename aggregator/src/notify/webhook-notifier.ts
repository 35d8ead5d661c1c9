/**
 * Delivers webhook payloads without ever blocking ingest: `enqueue` only
 * appends to a bounded queue (the oldest delivery is dropped when full) and a
 * single background worker posts each payload to every URL, with a timeout
 * per request and exponential backoff between a bounded number of attempts.
 * Failures are data: logged with the URL masked and counted.
 */
import { maskUrl } from './mask-url.js';
import type { WebhookPayload } from './webhook-payload.js';

type LogFn = (fields: object, message: string) => void;

export interface WebhookNotifierOptions {
  urls: readonly string[];
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  queueSize: number;
  log: { info: LogFn; warn: LogFn; error: LogFn };
  count: (result: 'delivered' | 'failed' | 'dropped') => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

interface Delivery {
  url: string;
  payload: WebhookPayload;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class WebhookNotifier {
  readonly #queue: Delivery[] = [];
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(private readonly options: WebhookNotifierOptions) {}

  enqueue(payload: WebhookPayload): void {
    if (this.#closed) return;
    for (const url of this.options.urls) {
      if (this.#queue.length >= this.options.queueSize) {
        const dropped = this.#queue.shift()!;
        this.options.count('dropped');
        this.options.log.warn({ url: maskUrl(dropped.url), state: dropped.payload.state }, 'webhook queue full; dropped the oldest delivery');
      }
      this.#queue.push({ url, payload });
    }
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops accepting work; deliveries in progress finish their current attempt. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      await this.#deliver(next);
    }
  }

  async #deliver({ url, payload }: Delivery): Promise<void> {
    const { maxAttempts, retryBaseMs, timeoutMs, log } = this.options;
    const post = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? defaultSleep;
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts && !this.#closed; attempt++) {
      try {
        const response = await post(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'propwatch-aggregator' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.options.count('delivered');
          log.info({ url: maskUrl(url), state: payload.state, attempt }, 'webhook delivered');
          return;
        }
        reason = `HTTP ${response.status}`;
      } catch (error) {
        reason = describeFailure(error, timeoutMs);
      }
      log.warn({ url: maskUrl(url), state: payload.state, attempt, maxAttempts, reason }, 'webhook attempt failed');
      if (attempt < maxAttempts) await sleep(retryBaseMs * 2 ** (attempt - 1));
    }
    this.options.count('failed');
    log.error({ url: maskUrl(url), state: payload.state, reason }, 'webhook delivery failed; giving up');
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // undici says only "fetch failed"; the cause names the socket error (ECONNREFUSED ...).
  return err.cause?.message ?? err.message;
}
