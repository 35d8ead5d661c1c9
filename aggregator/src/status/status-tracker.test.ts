import type { Status } from '@propwatch/shared';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { StoredRound } from '../storage/round-store.js';
import { EVALUATION_GAP_MS, StatusTracker } from './status-tracker.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const settings = {
  alarmAboveMs: 30_000,
  clearBelowMs: 20_000,
  quorum: 1,
  minFreshProbes: 1,
  staleAfterMs: 60_000,
  maxExtrapolationMs: 5_000,
  windowMs: 600_000,
  degradedAfterWriteFailures: 3,
};

function round(probe: string, serial: number, lhrMs: number): StoredRound {
  return {
    probe: { id: probe, region: 'r', version: '1' },
    id: `${probe}-${serial}`,
    zone: 'z',
    record: 'x',
    serial: String(serial),
    startedAt: new Date(NOW - 60_000 + serial).toISOString(),
    state: 'complete',
    elapsedMs: lhrMs,
    write: { submitToAckMs: 1 },
    pops: [
      {
        pop: 'LHR',
        target: 'LHR:53',
        state: 'propagated',
        lowerMs: lhrMs,
        upperMs: lhrMs,
        estimateMs: lhrMs,
        queries: 3,
        failures: 0,
      },
    ],
    firstReceivedAt: NOW,
    receivedAt: NOW,
  };
}

describe('StatusTracker', () => {
  test('evaluates once per burst of reports, and still notices a state change without anyone reading it', async () => {
    const tracker = new StatusTracker(settings, ['p1', 'p2'], { now: () => NOW });
    const changes: Status['state'][] = [];
    tracker.onChange(({ status }) => changes.push(status.state));
    let evaluations = 0;
    const evaluate = tracker.evaluate.bind(tracker);
    tracker.evaluate = () => (evaluations++, evaluate());
    for (let serial = 1; serial <= 50; serial++)
      tracker.record(
        {
          outcome: 'inserted',
          previous: null,
          current: round(serial % 2 ? 'p1' : 'p2', serial, serial === 50 ? 45_000 : 500),
        },
        NOW,
      );
    expect(evaluations).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(evaluations).toBe(1);
    expect(changes).toEqual(['alarm']);
  });

  describe('report-triggered evaluations are spaced by EVALUATION_GAP_MS', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    test('a second burst within the gap is evaluated once the gap has passed, not on the next turn', () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate'] });
      let monotonic = 1_000;
      const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW, monotonicNow: () => monotonic });
      const changes: Status['state'][] = [];
      tracker.onChange(({ status }) => changes.push(status.state));
      let evaluations = 0;
      const evaluate = tracker.evaluate.bind(tracker);
      tracker.evaluate = () => (evaluations++, evaluate());
      tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 1, 500) }, NOW);
      vi.advanceTimersToNextTimer();
      expect(evaluations).toBe(1);
      expect(changes).toEqual(['ok']);
      monotonic += 4;
      tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 2, 45_000) }, NOW);
      tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 3, 45_000) }, NOW);
      vi.advanceTimersByTime(EVALUATION_GAP_MS - 4 - 1);
      expect(evaluations).toBe(1);
      expect(changes).toEqual(['ok']);
      vi.advanceTimersByTime(1);
      expect(evaluations).toBe(2);
      expect(changes).toEqual(['ok', 'alarm']);
    });

    test('reading the status during the gap evaluates at once: the answer is never older than the reports', () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate'] });
      const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW, monotonicNow: () => 1_000 });
      tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 1, 500) }, NOW);
      vi.advanceTimersToNextTimer();
      tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 2, 45_000) }, NOW);
      expect(tracker.status).toMatchObject({ state: 'alarm', worst: { probe: 'p1', pop: 'LHR' } });
    });
  });

  test('reading the status right after a report sees that report', () => {
    const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW });
    tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 1, 45_000) }, NOW);
    expect(tracker.status).toMatchObject({ state: 'alarm', worst: { probe: 'p1', pop: 'LHR' } });
  });

  describe('write-failure streak after an outage: the probe delivers its newest round first, then the backlog', () => {
    const writeFailed = (probe: string, serial: number): StoredRound => ({
      ...round(probe, serial, 0),
      state: 'write_failed',
      pops: [],
      write: { submitToAckMs: 1, error: `403 on ${serial}` },
    });
    const deliver = (tracker: StatusTracker, rounds: StoredRound[]) => {
      for (const current of rounds) tracker.record({ outcome: 'inserted', previous: null, current }, NOW);
    };

    test('replayed old write failures do not build a streak when the newest round wrote fine', () => {
      const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW });
      deliver(tracker, [round('p1', 1, 500)]);
      // Outage: rounds 2–4 failed to write, round 5 (newest) wrote fine; replay order 5, 4, 3, 2.
      deliver(tracker, [round('p1', 5, 500), writeFailed('p1', 4), writeFailed('p1', 3), writeFailed('p1', 2)]);
      expect(tracker.views()[0]).toMatchObject({ consecutiveWriteFailures: 0 });
      expect(tracker.status.state).toBe('ok');
    });

    test('a replayed old good round does not reset the streak of the newest failing rounds', () => {
      const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW });
      deliver(tracker, [writeFailed('p1', 2), writeFailed('p1', 3), writeFailed('p1', 4), round('p1', 1, 500)]);
      expect(tracker.views()[0]).toMatchObject({ consecutiveWriteFailures: 3, lastWriteError: '403 on 4' });
      expect(tracker.status.state).toBe('degraded');
    });
  });
});

describe('StatusTracker.recordPeer and adopt (replicas)', () => {
  const writeFailed = (probe: string, serial: number): StoredRound => ({
    ...round(probe, serial, 0),
    state: 'write_failed',
    elapsedMs: 10,
    write: { submitToAckMs: 1, error: 'SERVFAIL' },
    pops: [],
  });

  test('a round heard from a peer is applied once: its own ingest and a repeat are skipped, progress is not', () => {
    const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW });
    const mine = round('p1', 1, 1_000);
    tracker.record({ outcome: 'inserted', previous: null, current: mine }, NOW);
    expect(tracker.recordPeer(mine)).toBe(false);
    const peer = round('p1', 2, 45_000);
    expect(tracker.recordPeer(peer)).toBe(true);
    expect(tracker.recordPeer(peer)).toBe(false);
    expect(tracker.status.state).toBe('alarm');
    // A later report of the same round (further along) is applied.
    expect(tracker.recordPeer({ ...peer, elapsedMs: 46_000, receivedAt: NOW + 1 })).toBe(true);
  });

  test('a write failure heard twice counts once in the streak', () => {
    const tracker = new StatusTracker(settings, ['p1'], { now: () => NOW });
    for (const serial of [1, 2, 3]) {
      expect(tracker.recordPeer(writeFailed('p1', serial))).toBe(true);
      expect(tracker.recordPeer(writeFailed('p1', serial))).toBe(false);
    }
    expect(tracker.viewOf('p1')?.consecutiveWriteFailures).toBe(3);
    expect(tracker.status.state).toBe('degraded');
  });

  test('an adopted status is the current one, tells no listener, and keeps its since while the state lasts', () => {
    let now = NOW;
    const tracker = new StatusTracker(settings, ['p1'], { now: () => now });
    tracker.record({ outcome: 'inserted', previous: null, current: round('p1', 1, 45_000) }, NOW);
    expect(tracker.status.state).toBe('alarm');
    const changes: string[] = [];
    tracker.onChange(({ status }) => changes.push(status.state));
    const decided = { ...tracker.status, since: new Date(NOW - 5_000).toISOString(), reason: 'decided elsewhere' };
    tracker.adopt(decided);
    expect(tracker.status).toEqual(decided);
    now += 1_000;
    expect(tracker.evaluate().status).toMatchObject({ state: 'alarm', since: decided.since });
    expect(changes).toEqual([]);
  });
});
