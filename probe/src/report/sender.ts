/**
 * Delivers spooled reports to the aggregator, at least once: a report leaves
 * the spool only after a 2xx. With several aggregator URLs (replicas sharing
 * one database), a report whose URL fails (no connection, reset, timeout, 5xx,
 * a redirect) goes to the next URL at once, each URL at most once per report
 * per cycle; when every one has failed, the sender backs off (exponential,
 * full jitter, or the last Retry-After) and goes round again, so the spool
 * drains to whichever replica answers. The same spooled body goes to each: one
 * round id, which the aggregator dedups, however many replicas saw it.
 * 429/408 and 401/403 are retried on the same URL after a backoff (a token
 * being rotated must not lose data; 401/403 logged as errors); other 4xx mean
 * no aggregator will ever accept that report (every replica would say the
 * same), so it is moved to `rejected/` and the aggregator's reason is logged
 * (with a hint when it is the probe's clock).
 */
import { backoffDelayMs, EndpointList, type EndpointSwitch, type Logger, maskUrl } from '@propwatch/shared';
import { postReport, type Refusal } from './post-report.js';
import type { Spool, SpoolEntry } from './spool.js';

/** Refusal codes that mean the probe's wall clock is off (the aggregator's GET /docs lists them). */
const CLOCK_CODES = new Set(['PROPWATCH_CLOCK_SKEW', 'PROPWATCH_ROUND_TOO_OLD']);

export type SenderOptions = {
  token: string;
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** With several URLs: after this long on a fallback, the first is tried again (absent: stay). */
  preferFirstAfterMs?: number | undefined;
} & (
  | {
      /** The reports endpoint (…/api/v1/rounds) of each aggregator replica, preferred first. */
      urls: readonly string[];
      url?: undefined;
    }
  | {
      /** One aggregator's reports endpoint: the same as `urls: [url]`. */
      url: string;
      urls?: undefined;
    }
);

export interface SenderDeps {
  fetch?: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Monotonic milliseconds, for the return to the first URL (default performance.now()). */
  monotonicNow?: () => number;
  logger?: Logger;
  onDelivered?: (roundId: string) => void;
  onAttempt?: (result: 'delivered' | 'retry' | 'rejected') => void;
  /** The URL in use changed: `reason` is "preferred" for the timed return to the first, else why `from` failed. */
  onEndpointChange?: (change: EndpointSwitch) => void;
}

type CycleResult = { result: 'delivered' | 'retry' | 'rejected'; retryAfterMs?: number };

export class ReportSender {
  private readonly fetch: typeof fetch;
  private readonly random: () => number;
  private readonly endpoints: EndpointList;
  private failures = 0;
  private wake: (() => void) | undefined;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  /** Round, status and code of the last refusal logged. */
  private lastRejection: string | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly options: SenderOptions,
    private readonly deps: SenderDeps,
  ) {
    this.fetch = deps.fetch ?? globalThis.fetch;
    this.random = deps.random ?? Math.random;
    this.endpoints = new EndpointList(options.urls ?? [options.url], {
      preferFirstAfterMs: options.preferFirstAfterMs,
      ...(deps.monotonicNow ? { monotonicNow: deps.monotonicNow } : {}),
    });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Tells the loop there is something new; it sends at once unless it is backing off. */
  notify(): void {
    this.wake?.();
  }

  /** Stops after the request in flight; undelivered reports stay in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped.abort();
    this.wake?.();
    await this.loop;
  }

  /** Consecutive failed cycles (0 when an aggregator is reachable). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Index (0 = first) of the aggregator URL reports go to now. */
  get endpointIndex(): number {
    return this.endpoints.currentIndex;
  }

  private async run(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      try {
        await this.step();
      } catch (error) {
        // A spool file removed or made unwritable underneath us, or a bug: the
        // loop must survive it, or every later report stays undelivered (and
        // the rejection would end the process). Back off like after a failed
        // delivery, so a persistent failure does not spin.
        this.failures += 1;
        this.deps.logger?.error(
          { err: error, failures: this.failures, spooled: this.spool.size },
          'report delivery loop failed; retrying after a backoff',
        );
        await this.deps.sleep(this.backoffMs(), this.stopped.signal);
      }
    }
  }

  private async step(): Promise<void> {
    const entry = this.spool.next();
    if (!entry) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
      return;
    }
    const outcome = await this.deliver(entry);
    this.deps.onAttempt?.(outcome.result);
    if (outcome.result === 'retry') {
      this.failures += 1;
      await this.deps.sleep(outcome.retryAfterMs ?? this.backoffMs(), this.stopped.signal);
    } else {
      this.failures = 0;
    }
  }

  /** Exponential backoff with full jitter, from the current failure count. */
  private backoffMs(): number {
    return backoffDelayMs(
      Math.max(this.failures, 1),
      this.options.backoffBaseMs,
      this.options.backoffMaxMs,
      this.random,
    );
  }

  /** One cycle for one report: its URL, then each next one that fails, at most every URL once. */
  private async deliver(entry: SpoolEntry): Promise<CycleResult> {
    let body: string;
    try {
      body = this.spool.read(entry);
    } catch (error) {
      this.deps.logger?.error({ roundId: entry.roundId, err: error }, 'spooled report unreadable; moving it aside');
      this.spool.reject(entry);
      return { result: 'rejected' };
    }
    // Read once: every replica gets the very same bytes (one round id, deduplicated by the aggregator).
    for (let attempt = 1; ; attempt++) {
      const endpoint = this.endpoints.pick();
      if (endpoint.switched) this.logSwitch(entry, endpoint.switched, 'info');
      const outcome = await postReport(this.fetch, {
        url: endpoint.url,
        token: this.options.token,
        body,
        timeoutMs: this.options.timeoutMs,
        backoffMaxMs: this.options.backoffMaxMs,
        stop: this.stopped.signal,
      });
      // Stopping aborted the request: that says nothing about the URL (no failover, no warning); the report
      // stays spooled for the next start.
      if (this.stopped.signal.aborted && outcome.kind === 'endpoint_failed') return { result: 'retry' };
      const where = { aggregator: maskUrl(endpoint.url), aggregatorIndex: endpoint.index };
      switch (outcome.kind) {
        case 'delivered':
          this.endpoints.succeeded();
          this.spool.acknowledge(entry);
          // What the aggregator acknowledged, for debugging (and for the crash tests, which check each one was kept).
          this.deps.logger?.debug(
            { roundId: entry.roundId, status: outcome.status, answer: outcome.answer.slice(0, 300), ...where },
            'report delivered',
          );
          this.deps.onDelivered?.(entry.roundId);
          return { result: 'delivered' };
        case 'refused':
          this.endpoints.succeeded(); // the replica works; the report is what it refuses
          this.logRejection(entry, outcome.status, outcome.refusal, where);
          this.spool.reject(entry);
          return { result: 'rejected' };
        case 'retry':
          this.logFailure(entry, outcome.reason, where, outcome.level);
          return { result: 'retry', ...retryAfter(outcome.retryAfterMs) };
        case 'endpoint_failed': {
          this.logFailure(entry, outcome.reason, where);
          const change = this.endpoints.failed(outcome.reason);
          if (change) this.logSwitch(entry, change, 'warn');
          // Every URL tried once for this report: back off, then go round again.
          if (!change || attempt >= this.endpoints.size)
            return { result: 'retry', ...retryAfter(outcome.retryAfterMs) };
        }
      }
    }
  }

  private logSwitch(entry: SpoolEntry, change: EndpointSwitch, level: 'info' | 'warn'): void {
    this.deps.onEndpointChange?.(change);
    if (level === 'warn' && !this.logsThisFailure()) return;
    const from = maskUrl(change.fromUrl);
    const to = maskUrl(change.toUrl);
    const message =
      change.reason === 'preferred'
        ? `reports go back to the first aggregator URL ${to} (on ${from} long enough)`
        : `aggregator URL ${change.from} (${from}) failed; URL ${change.to} (${to}) takes over`;
    this.deps.logger?.[level](
      { roundId: entry.roundId, from, to, fromIndex: change.from, toIndex: change.to, reason: change.reason },
      message,
    );
  }

  /**
   * A refusal for good is logged with the aggregator's own words (its message names the field), once per
   * round and reason: progress reports of one round are refused alike, one line a second would bury the cause.
   */
  private logRejection(entry: SpoolEntry, status: number, refusal: Refusal, where: object): void {
    const key = `${entry.roundId}\u0000${status}\u0000${refusal.code ?? ''}`;
    if (key === this.lastRejection) return;
    this.lastRejection = key;
    const hint = CLOCK_CODES.has(refusal.code ?? '')
      ? " This probe's clock is off (or the aggregator's): fix NTP; until then every report is refused."
      : '';
    this.deps.logger?.error(
      { roundId: entry.roundId, status, code: refusal.code, reason: refusal.message, ...where },
      `aggregator refused the report for good (HTTP ${status}${refusal.code ? ` ${refusal.code}` : ''}): ` +
        `${refusal.message ?? 'no reason given'}; kept in spool/rejected.${hint}`,
    );
  }

  private logFailure(entry: SpoolEntry, message: string, where: object, level: 'warn' | 'error' = 'warn'): void {
    if (!this.logsThisFailure()) return;
    this.deps.logger?.[level](
      { roundId: entry.roundId, failures: this.failures, spooled: this.spool.size, ...where },
      message,
    );
  }

  /** One line per failure streak start (every URL of its first cycle), then every 10th cycle: hours of outage do not flood the log. */
  private logsThisFailure(): boolean {
    return this.failures === 0 || this.failures % 10 === 0;
  }
}

function retryAfter(ms: number | undefined): { retryAfterMs?: number } {
  return ms === undefined ? {} : { retryAfterMs: ms };
}
