/**
 * What one target has shown during a round, and the bounds that follow.
 * All times are ms after the write was acknowledged.
 *
 * Bounds: a miss proves the POP was not serving when it handled the query,
 * which happened after we sent it, so the *send* time of the last miss is a
 * lower bound. A hit proves it was serving before we *received* the answer,
 * so that receive time is an upper bound. A first-query hit gives lower 0:
 * the change may have landed before the provider's ack reached us, and
 * propagation is reported as time after the ack, clamped at zero.
 */
import { plainText, type PopResult } from '@propwatch/shared';
import type { CheckOutcome, Target } from './types.js';

const MAX_ERROR_TEXT = 300;
/** The wire schema's bound on `nsid`; an NSID option may carry up to 64 KiB, shown as twice that in hex. */
export const MAX_NSID_TEXT = 512;

export class TargetTracker {
  private lastMissSentMs = 0;
  private firstHitReceivedMs: number | undefined;
  private queries = 0;
  private failures = 0;
  private answers = 0;
  private rttMs: number | undefined;
  private nsid: string | undefined;
  private lastError: string | undefined;

  constructor(readonly target: Target) {}

  get propagated(): boolean {
    return this.firstHitReceivedMs !== undefined;
  }

  /** Applies one query's outcome, sent at `sentMs` and completed at `receivedMs`. */
  record(outcome: CheckOutcome, sentMs: number, receivedMs: number): void {
    if (this.propagated) return; // later answers cannot move the bounds
    // Cut short by the round deadline or shutdown: no query the POP answered or failed.
    if (outcome.kind === 'aborted') return;
    this.queries += 1;
    if (outcome.kind === 'failure') {
      this.failures += 1;
      // Failure reasons can quote what a server sent (a malformed TXT): plain text only.
      this.lastError = plainText(outcome.reason, MAX_ERROR_TEXT);
      if (outcome.rttMs !== undefined) this.rttMs = outcome.rttMs;
      return;
    }
    this.answers += 1;
    this.rttMs = outcome.rttMs;
    if (outcome.nsid !== undefined) this.nsid = outcome.nsid.slice(0, MAX_NSID_TEXT);
    if (outcome.kind === 'miss') this.lastMissSentMs = Math.max(this.lastMissSentMs, Math.max(0, sentMs));
    else this.firstHitReceivedMs = Math.max(this.lastMissSentMs, receivedMs);
  }

  /**
   * The POP's result at `elapsedMs`. With `final`, a POP not yet seen becomes
   * `timeout`, censored at `maxWaitMs` (never dropped).
   */
  toPopResult(elapsedMs: number, final: { maxWaitMs: number } | undefined): PopResult {
    const base = {
      pop: this.target.name,
      target: formatTarget(this.target),
      queries: this.queries,
      failures: this.failures,
      ...(this.nsid === undefined ? {} : { nsid: this.nsid }),
      ...(this.rttMs === undefined ? {} : { rttMs: round3(this.rttMs) }),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
    if (this.firstHitReceivedMs !== undefined) {
      const lowerMs = round3(this.lastMissSentMs);
      const upperMs = round3(this.firstHitReceivedMs);
      return { ...base, state: 'propagated', lowerMs, upperMs, estimateMs: round3((lowerMs + upperMs) / 2) };
    }
    if (final) return { ...base, state: 'timeout', lowerMs: round3(final.maxWaitMs) };
    // Running: it has not been seen for at least as long as the last miss
    // proves; a target with only failures so far is `failing`.
    const state = this.answers === 0 && this.failures > 0 ? 'failing' : 'pending';
    return { ...base, state, lowerMs: round3(Math.min(this.lastMissSentMs, elapsedMs)) };
  }
}

export function formatTarget(target: Target): string {
  return target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}

/** Microsecond resolution is more than the measurement supports; keeps payloads short. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
