/**
 * Polls the aggregator forever and reports a BeaconState after every poll.
 * A failure keeps the last known state until `unreachableAfter` failures in a
 * row; with no known state yet it is `unreachable` at once, because the
 * beacon must never suggest "all fine" when it does not know.
 */
import { backoffDelayMs, type Clock, type Status } from '@propwatch/shared';
import type { BeaconState } from './beacon-state.js';
import type { FetchResult } from './status-fetcher.js';

export interface PollOptions {
  intervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  unreachableAfter: number;
}

export interface PollReport {
  state: BeaconState;
  reason: string;
  /** The last good status, if any (it may be older than this report when polls fail). */
  status: Status | undefined;
  consecutiveFailures: number;
  nextPollMs: number;
}

/** The pure step: what the state is after one result, and when to poll next. */
export function stepPoll(
  previous: { failures: number; status: Status | undefined },
  result: FetchResult,
  options: PollOptions,
  random: () => number,
): PollReport {
  if (result.ok) {
    const { status } = result;
    return {
      state: status.state,
      reason: status.reason,
      status,
      consecutiveFailures: 0,
      nextPollMs: options.intervalMs,
    };
  }
  const failures = previous.failures + 1;
  const nextPollMs = backoffDelayMs(failures, options.backoffBaseMs, options.backoffMaxMs, random);
  const unreachable = failures >= options.unreachableAfter || previous.status === undefined;
  const state: BeaconState = unreachable ? 'unreachable' : previous.status!.state;
  const reason = unreachable
    ? `aggregator unreachable (${failures} failed polls): ${result.reason}`
    : `${previous.status!.reason} (poll failed: ${result.reason})`;
  return { state, reason, status: previous.status, consecutiveFailures: failures, nextPollMs };
}

export class PollLoop {
  private failures = 0;
  private status: Status | undefined;
  private timer: unknown;
  private running = false;
  /** Bumped by every start and stop: a poll still in flight from an earlier run reports nothing. */
  private generation = 0;

  constructor(
    private readonly options: PollOptions,
    private readonly fetchStatus: () => Promise<FetchResult>,
    private readonly onReport: (report: PollReport) => void,
    private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    void this.pollNow();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one poll and schedules the next. Exposed for tests. */
  async pollNow(): Promise<PollReport> {
    const generation = this.generation;
    const result = await this.fetchStatus();
    const report = stepPoll({ failures: this.failures, status: this.status }, result, this.options, this.random);
    if (generation !== this.generation) return report;
    this.failures = report.consecutiveFailures;
    this.status = report.status;
    if (this.running) {
      this.onReport(report);
      this.timer = this.clock.setTimeout(() => void this.pollNow(), report.nextPollMs);
    }
    return report;
  }

  /**
   * A status that came another way (the status stream): it is the last known status, and the failures so far are
   * forgotten, as after a successful poll. Returns the report a successful poll with it would have given.
   */
  observe(status: Status): PollReport {
    const report = stepPoll({ failures: 0, status: undefined }, { ok: true, status }, this.options, this.random);
    this.failures = 0;
    this.status = status;
    return report;
  }
}
