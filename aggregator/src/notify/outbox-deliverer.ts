/**
 * Delivers the webhook outbox (storage/transition-store.ts): one worker per target claims that target's oldest
 * due row (with a lease: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so replicas never claim the same row), makes one
 * attempt (webhook-attempt.ts: Standard Webhooks headers, timeout, no redirects) and records the outcome:
 * delivered, a retry after retryBaseMs × 2^(attempt-1), or given up after maxAttempts. A replica that dies
 * mid-attempt leaves its claim to expire; after the lease another replica (or this one restarted) claims the
 * row again and sends it with the same webhook-id, so a receiver that dedups by it sees the transition once.
 * Workers wake on a local commit or a peer's (kick), when a retry or lease falls due, and every pollMs.
 */
import { maskUrl } from './mask-url.js';
import type { OutboxClaim, TransitionStore } from '../storage/transition-store.js';
import { attemptDelivery } from './webhook-attempt.js';

/** A target as the deliverer knows it: the key its rows are stored under, and where and how to send them. */
export interface OutboxTarget {
  key: string;
  url: string;
  /** The HMAC key of its `whsec_` secret; null sends no signature. */
  signingKey: Buffer | null;
}

type LogFn = (fields: object, message: string) => void;

export interface OutboxDelivererOptions {
  store: Pick<TransitionStore, 'claimOutbox' | 'finishOutbox' | 'nextOutboxDue'>;
  targets: readonly OutboxTarget[];
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** How long a claim lasts: longer than one attempt (timeoutMs), so only a dead claimer's rows are re-claimed. */
  leaseMs: number;
  /** How often every target is looked at without a kick (rows queued by a peer whose notification was lost). */
  pollMs: number;
  /** Aggregator clock (ms), for `webhook-timestamp`. */
  now: () => number;
  /** Wall clock shared by the replicas (ms), for due times and leases. */
  scheduleNow: () => number;
  log: { info: LogFn; warn: LogFn; error: LogFn };
  count: (result: 'delivered' | 'failed') => void;
  fetch?: typeof fetch | undefined;
  sleep?: (ms: number) => Promise<void>;
}

/** How long idle() waits at most before looking at the outbox again. */
const IDLE_STEP_MS = 250;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

interface Worker {
  target: OutboxTarget;
  running: Promise<void> | null;
  /** Kicked while running: look again once the current pass ends (a row may have been queued after its claim). */
  again: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class OutboxDeliverer {
  readonly #workers: Worker[];
  #poll: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly options: OutboxDelivererOptions) {
    this.#workers = options.targets.map((target) => ({ target, running: null, again: false, timer: undefined }));
  }

  /** Starts the poll timer and a first pass (rows left by a previous run or a dead peer). */
  start(): void {
    this.kick();
    this.#poll = setInterval(() => this.kick(), this.options.pollMs);
    this.#poll.unref();
  }

  /** Looks for due rows now, on every target. */
  kick(): void {
    for (const worker of this.#workers) this.#wake(worker);
  }

  /** Resolves when no row of these targets is pending any more (delivered or given up), waiting through retries. */
  async idle(): Promise<void> {
    const sleep = this.options.sleep ?? defaultSleep;
    while (!this.#closed) {
      for (let running = this.#running(); running.length > 0; running = this.#running()) await Promise.all(running);
      const dues = await Promise.all(this.#workers.map((w) => this.options.store.nextOutboxDue(w.target.key)));
      const pending = dues.filter((due): due is number => due !== null);
      if (pending.length === 0) return;
      // In steps: a row claimed by a peer may be finished long before its lease would end.
      await sleep(Math.min(IDLE_STEP_MS, Math.max(0, Math.min(...pending) - this.options.scheduleNow())));
      this.kick();
    }
  }

  #running(): Promise<void>[] {
    return this.#workers.flatMap((worker) => (worker.running ? [worker.running] : []));
  }

  /** Stops claiming; an attempt in progress finishes and records its outcome. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#poll);
    for (const worker of this.#workers) clearTimeout(worker.timer);
  }

  #wake(worker: Worker): void {
    if (this.#closed) return;
    if (worker.running) {
      worker.again = true;
      return;
    }
    clearTimeout(worker.timer);
    worker.running = this.#drain(worker).finally(() => {
      worker.running = null;
      if (worker.again) {
        worker.again = false;
        this.#wake(worker);
      }
    });
  }

  async #drain(worker: Worker): Promise<void> {
    const { store, leaseMs, scheduleNow, log } = this.options;
    try {
      for (;;) {
        if (this.#closed) return;
        const claim = await store.claimOutbox(worker.target.key, scheduleNow(), leaseMs);
        if (!claim) break;
        await this.#deliver(worker.target, claim);
      }
      // Wake again when this target's next retry (or a peer's lease) falls due, if before the next poll.
      const due = await store.nextOutboxDue(worker.target.key);
      if (due !== null && !this.#closed) {
        const wait = Math.max(0, due - scheduleNow());
        if (wait < this.options.pollMs) {
          worker.timer = setTimeout(() => this.#wake(worker), wait);
          worker.timer.unref();
        }
      }
    } catch (error) {
      // The store is down: the rows stay where they are, the next poll tries again.
      log.error({ err: error, url: maskUrl(worker.target.url) }, 'webhook outbox: cannot claim or record; will retry');
    }
  }

  async #deliver(target: OutboxTarget, claim: OutboxClaim): Promise<void> {
    const { store, maxAttempts, retryBaseMs, scheduleNow, log, count } = this.options;
    const url = maskUrl(target.url);
    const fields = { url, state: claim.state, webhookId: claim.webhookId, attempt: claim.attempt, maxAttempts };
    const result = await attemptDelivery(target.url, { id: claim.webhookId, body: claim.body }, target.signingKey, {
      timeoutMs: this.options.timeoutMs,
      now: this.options.now,
      fetch: this.options.fetch,
    });
    if (result.ok) {
      await store.finishOutbox(claim, { kind: 'delivered' }, scheduleNow());
      count('delivered');
      log.info(fields, 'webhook delivered');
    } else if (claim.attempt >= maxAttempts) {
      await store.finishOutbox(claim, { kind: 'failed', error: result.reason }, scheduleNow());
      count('failed');
      log.error({ ...fields, reason: result.reason }, 'webhook delivery failed; giving up');
    } else {
      const at = scheduleNow() + retryBaseMs * 2 ** (claim.attempt - 1);
      await store.finishOutbox(claim, { kind: 'retry', at, error: result.reason }, scheduleNow());
      log.warn({ ...fields, reason: result.reason }, 'webhook attempt failed');
    }
  }
}
