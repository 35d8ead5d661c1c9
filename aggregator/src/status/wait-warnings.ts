/**
 * A probe whose wait (round.maxWaitMs) cannot exceed the alarm threshold:
 * every POP slower than the wait ends as a timeout, and a timeout is always a
 * breach, so the alarm fires for POPs that may still be within
 * `status.alarmAboveMs` — and no measurement ever shows how late they were.
 * (Before timeouts always alarmed, the same setting hid stuck POPs for good.)
 * The aggregator warns: in its log, once per probe and wait (at start for the
 * probes in storage, else on the first report that says so), and in
 * GET /api/v1/probes (`warnings`).
 */
import type { Logger } from '@propwatch/shared';

/** A problem with a probe's setup, for GET /api/v1/probes. */
export interface ProbeWarning {
  code: 'max_wait_not_above_threshold';
  message: string;
}

/** The warning for a probe that waits `maxWaitMs` (null: it does not say) under `alarmAboveMs`, or null. */
export function checkProbeWait(maxWaitMs: number | null | undefined, alarmAboveMs: number): ProbeWarning | null {
  if (maxWaitMs === null || maxWaitMs === undefined || maxWaitMs > alarmAboveMs) return null;
  return {
    code: 'max_wait_not_above_threshold',
    message:
      `the probe waits at most ${maxWaitMs} ms for a POP (round.maxWaitMs), not more than status.alarmAboveMs ` +
      `(${alarmAboveMs} ms): a POP slower than ${maxWaitMs} ms is reported as a timeout and raises the alarm, ` +
      `even if it would serve within the threshold; set the probe's round.maxWaitMs above ${alarmAboveMs}`,
  };
}

/** Logs each probe's wait warning once per reported wait. */
export class WaitWarningLog {
  /** Per probe, the last wait checked (warned or not), so a change is noticed and a repeat is not logged. */
  readonly #checked = new Map<string, number | null>();

  constructor(
    private readonly alarmAboveMs: number,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Checks the wait a probe reported (from storage at start, or on a report); logs a new problem. */
  observe(probe: string, maxWaitMs: number | null | undefined): void {
    const wait = maxWaitMs ?? null;
    if (this.#checked.has(probe) && this.#checked.get(probe) === wait) return;
    this.#checked.set(probe, wait);
    const warning = checkProbeWait(wait, this.alarmAboveMs);
    if (warning) this.log.warn({ probe, maxWaitMs: wait, alarmAboveMs: this.alarmAboveMs }, warning.message);
  }
}
