import type { Status } from '@propwatch/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs } from '@propwatch/shared';
import { PollLoop, stepPoll, type PollOptions, type PollReport } from './poll-loop.js';
import type { FetchResult } from './status-fetcher.js';
import type { Clock } from '@propwatch/shared';

const options: PollOptions = { intervalMs: 1000, backoffBaseMs: 500, backoffMaxMs: 8000, unreachableAfter: 3 };

function status(state: Status['state'], reason = `state ${state}`): Status {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    state,
    since: at,
    worstMs: 12,
    thresholdMs: 30000,
    worst: null,
    probes: { fresh: 3, expected: 3 },
    reason,
    updatedAt: at,
  };
}

const fail: FetchResult = { ok: false, reason: 'ECONNREFUSED' };

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    [1, 1, 500],
    [2, 1, 1000],
    [3, 1, 2000],
    [4, 0.5, 2000],
    [5, 1, 8000],
    [40, 1, 8000],
    [3, 0, 0],
  ])('failure %i with random %d → %i ms', (failures, random, expected) => {
    expect(backoffDelayMs(failures, 500, 8000, () => random)).toBe(expected);
  });
});

describe('stepPoll', () => {
  it('a good status passes through and polls at the interval', () => {
    const report = stepPoll(
      { failures: 2, status: undefined },
      { ok: true, status: status('alarm', 'LHR slow') },
      options,
      () => 1,
    );
    expect(report).toMatchObject({ state: 'alarm', reason: 'LHR slow', consecutiveFailures: 0, nextPollMs: 1000 });
  });

  it('keeps the last state below N failures, is unreachable at N, and recovers on success', () => {
    let previous: { failures: number; status: Status | undefined } = { failures: 0, status: status('ok') };
    const states: string[] = [];
    const delays: number[] = [];
    for (const result of [fail, fail, fail, fail, { ok: true as const, status: status('stale') }]) {
      const report = stepPoll(previous, result, options, () => 1);
      previous = { failures: report.consecutiveFailures, status: report.status };
      states.push(report.state);
      delays.push(report.nextPollMs);
    }
    expect(states).toEqual(['ok', 'ok', 'unreachable', 'unreachable', 'stale']);
    expect(delays).toEqual([500, 1000, 2000, 4000, 1000]);
  });

  it('with no status yet a failure is unreachable at once (never a silent "ok")', () => {
    const report = stepPoll({ failures: 0, status: undefined }, fail, options, () => 1);
    expect(report.state).toBe('unreachable');
    expect(report.reason).toMatch(/ECONNREFUSED/);
  });
});

describe('PollLoop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls on schedule, backs off with jitter on errors and recovers', async () => {
    vi.useFakeTimers({ now: 0 });
    const timers: Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'> = {
      // Date.now() is the fake time under vi.useFakeTimers.
      monotonicNow: () => Date.now(),
      setTimeout: (f, ms) => setTimeout(f, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const script: FetchResult[] = [
      { ok: true, status: status('ok') },
      fail,
      fail,
      fail,
      { ok: true, status: status('ok') },
    ];
    const calledAt: number[] = [];
    const reports: PollReport[] = [];
    const loop = new PollLoop(
      options,
      async () => {
        calledAt.push(Date.now());
        return script.shift() ?? { ok: true, status: status('ok') };
      },
      (report) => reports.push(report),
      timers,
      () => 0.5,
    );
    loop.start();
    await vi.advanceTimersByTimeAsync(5000);
    loop.stop();
    // ok at 0; failures at 1000, 1250 (+250), 1750 (+500); recovery at 2750 (+1000); then every 1000.
    expect(calledAt.slice(0, 6)).toEqual([0, 1000, 1250, 1750, 2750, 3750]);
    expect(reports.slice(0, 5).map((r) => r.state)).toEqual(['ok', 'ok', 'ok', 'unreachable', 'ok']);
    const count = calledAt.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(calledAt.length).toBe(count);
  });
});
