/**
 * Delivers spooled reports to the aggregator, at least once: a report leaves
 * the spool only after a 2xx. Network errors, 5xx and 429 are retried with
 * exponential backoff and full jitter; 401/403 are retried too (a token being
 * rotated must not lose data) but logged as errors; other 4xx mean the
 * aggregator will never accept that report, so it is moved to `rejected/` and
 * the aggregator's reason is logged (with a hint when it is the probe's clock).
 */
import { backoffDelayMs, errorMessageOf, type Logger } from '@propwatch/shared';
import { createRequestSignal } from '../request-signal.js';
import type { Spool, SpoolEntry } from './spool.js';

/** Refusal codes that mean the probe's wall clock is off (the aggregator's GET /docs lists them). */
const CLOCK_CODES = new Set(['PROPWATCH_CLOCK_SKEW', 'PROPWATCH_ROUND_TOO_OLD']);
const MAX_REASON_TEXT = 500;

interface Refusal {
  code?: string;
  message?: string;
}

/** The aggregator's error body `{code, message}` (any other answer: nothing), cut to a log-friendly length. */
function parseRefusal(answer: string): Refusal {
  let body: unknown;
  try {
    body = JSON.parse(answer);
  } catch {
    return {};
  }
  if (typeof body !== 'object' || body === null) return {};
  const { code, message } = body as Record<string, unknown>;
  return {
    ...(typeof code === 'string' ? { code: code.slice(0, 64) } : {}),
    ...(typeof message === 'string' ? { message: message.slice(0, MAX_REASON_TEXT) } : {}),
  };
}

export interface SenderOptions {
  url: string;
  token: string;
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface SenderDeps {
  fetch?: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  onDelivered?: (roundId: string) => void;
  onAttempt?: (result: 'delivered' | 'retry' | 'rejected') => void;
}

export class ReportSender {
  private readonly fetch: typeof fetch;
  private readonly random: () => number;
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

  /** Consecutive failed attempts (0 when the aggregator is reachable). */
  get consecutiveFailures(): number {
    return this.failures;
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

  private async deliver(
    entry: SpoolEntry,
  ): Promise<{ result: 'delivered' | 'retry' | 'rejected'; retryAfterMs?: number }> {
    let body: string;
    try {
      body = this.spool.read(entry);
    } catch (error) {
      this.deps.logger?.error({ roundId: entry.roundId, err: error }, 'spooled report unreadable; moving it aside');
      this.spool.reject(entry);
      return { result: 'rejected' };
    }
    let response: Response;
    let answer: string;
    const request = createRequestSignal(this.options.timeoutMs, this.stopped.signal);
    try {
      response = await this.fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body,
        signal: request.signal,
      });
      answer = await response.text().catch(() => '');
    } catch (error) {
      this.logFailure(
        entry,
        `aggregator unreachable: ${request.timedOut ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message}`,
      );
      return { result: 'retry' };
    } finally {
      request.dispose();
    }
    if (response.ok) {
      this.spool.acknowledge(entry);
      // What the aggregator acknowledged, for debugging (and for the crash tests, which check each one was kept).
      this.deps.logger?.debug(
        { roundId: entry.roundId, status: response.status, answer: answer.slice(0, 300) },
        'report delivered',
      );
      this.deps.onDelivered?.(entry.roundId);
      return { result: 'delivered' };
    }
    if (
      response.status === 429 ||
      response.status >= 500 ||
      response.status === 401 ||
      response.status === 403 ||
      response.status === 408
    ) {
      const level = response.status === 401 || response.status === 403 ? 'error' : 'warn';
      this.logFailure(entry, `aggregator answered HTTP ${response.status}${reasonIn(answer)}`, level);
      const retryAfter = Number(response.headers.get('retry-after'));
      return Number.isFinite(retryAfter) && retryAfter > 0
        ? { result: 'retry', retryAfterMs: Math.min(retryAfter * 1000, this.options.backoffMaxMs) }
        : { result: 'retry' };
    }
    this.logRejection(entry, response.status, parseRefusal(answer));
    this.spool.reject(entry);
    return { result: 'rejected' };
  }

  /**
   * A refusal for good is logged with the aggregator's own words (its message names the field), once per
   * round and reason: progress reports of one round are refused alike, one line a second would bury the cause.
   */
  private logRejection(entry: SpoolEntry, status: number, refusal: Refusal): void {
    const key = `${entry.roundId}\u0000${status}\u0000${refusal.code ?? ''}`;
    if (key === this.lastRejection) return;
    this.lastRejection = key;
    const hint = CLOCK_CODES.has(refusal.code ?? '')
      ? " This probe's clock is off (or the aggregator's): fix NTP; until then every report is refused."
      : '';
    this.deps.logger?.error(
      { roundId: entry.roundId, status, code: refusal.code, reason: refusal.message },
      `aggregator refused the report for good (HTTP ${status}${refusal.code ? ` ${refusal.code}` : ''}): ` +
        `${refusal.message ?? 'no reason given'}; kept in spool/rejected.${hint}`,
    );
  }

  private logFailure(entry: SpoolEntry, message: string, level: 'warn' | 'error' = 'warn'): void {
    // One line per failure streak start, then every 10th, so hours of outage do not flood the log.
    if (this.failures === 0 || this.failures % 10 === 0)
      this.deps.logger?.[level]({ roundId: entry.roundId, failures: this.failures, spooled: this.spool.size }, message);
  }
}

/** ": <the aggregator's message>" from an error answer, or nothing when the body is not one (a proxy's page). */
function reasonIn(answer: string): string {
  const message = errorMessageOf(answer);
  return message === undefined ? '' : `: ${message}`;
}
