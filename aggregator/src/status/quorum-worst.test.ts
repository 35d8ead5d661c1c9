import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { PopResult, Status } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { type ProbeView, type StatusSettings, evaluateStatus } from './evaluate-status.js';
import { quorumWorstMs } from './quorum-worst.js';

const NOW = Date.parse('2025-01-01T00:10:00Z');
const SETTINGS: StatusSettings = {
  alarmAboveMs: 60_000,
  clearBelowMs: 30_000,
  quorum: 2,
  minFreshProbes: 1,
  staleAfterMs: 60_000,
  maxExtrapolationMs: 5_000,
  windowMs: 600_000,
  degradedAfterWriteFailures: 3,
};

type Spec = { pop: string; state: PopResult['state']; ms: number; target?: string };

function view(id: string, pops: Spec[]): ProbeView {
  const round: StoredRound = {
    probe: { id, region: 'r', version: '1' },
    id: `${id}-r`,
    zone: 'z',
    record: 'x',
    serial: '1735689600000',
    startedAt: new Date(NOW - 60_000).toISOString(),
    state: 'complete',
    elapsedMs: 60_000,
    write: { submitToAckMs: 1 },
    pops: pops.map(({ pop, state, ms, target }) => ({
      pop,
      target: target ?? `${pop}:53`,
      ...(state === 'rerouted' || state === 'unreachable' ? { via: 'ns1', targetKind: 'anycast' as const } : {}),
      state,
      lowerMs: ms,
      ...(state === 'propagated' ? { upperMs: ms, estimateMs: ms } : {}),
      queries: 1,
      failures: 0,
    })),
    firstReceivedAt: NOW - 1_000,
    receivedAt: NOW - 1_000,
  };
  return { id, lastReportAt: NOW - 1_000, latestMeasured: round, consecutiveWriteFailures: 0 };
}

const observe = (views: ProbeView[], settings = SETTINGS) => evaluateStatus(null, views, settings, NOW).observations;

describe('the quorum worst (propwatch_propagation_worst_seconds)', () => {
  test('one probe reporting a pending 86,400,000 ms under quorum 2 does not move it; the any-probe worst does', () => {
    const liar = view('p1', [{ pop: 'LHR', state: 'pending', ms: 86_400_000 }]);
    const honest = ['p2', 'p3'].map((id) => view(id, [{ pop: 'LHR', state: 'propagated', ms: 1_500 }]));
    const observations = observe([liar, ...honest]);
    expect(quorumWorstMs(observations, 2)).toBe(1_500);
    expect(quorumWorstMs(observations, 1)).toBe(86_400_000);
    expect(evaluateStatus(null, [liar, ...honest], SETTINGS, NOW).status.state).toBe('ok');
  });

  test('per POP: the quorum-th largest among probes, the largest over POPs; a timeout is +Infinity', () => {
    const views = [
      view('p1', [
        { pop: 'LHR', state: 'propagated', ms: 70_000 },
        { pop: 'SIN', state: 'timeout', ms: 30_000 },
      ]),
      view('p2', [
        { pop: 'LHR', state: 'propagated', ms: 40_000 },
        { pop: 'SIN', state: 'propagated', ms: 20_000 },
      ]),
      view('p3', [{ pop: 'LHR', state: 'propagated', ms: 50_000 }]),
    ];
    expect(quorumWorstMs(observe(views), 2)).toBe(50_000);
    expect(quorumWorstMs(observe(views), 3)).toBe(40_000);
    expect(quorumWorstMs(observe(views), 1)).toBe(Number.POSITIVE_INFINITY);
    const bothTimeOut = [...views.slice(0, 1), view('p2', [{ pop: 'SIN', state: 'timeout', ms: 30_000 }])];
    expect(quorumWorstMs(observe(bothTimeOut), 2)).toBe(Number.POSITIVE_INFINITY);
  });

  test('a probe listing a POP under two targets counts once; no POP seen by quorum probes: null', () => {
    const twice = view('p1', [
      { pop: 'LHR', state: 'propagated', ms: 90_000, target: 'a:53' },
      { pop: 'LHR', state: 'propagated', ms: 80_000, target: 'b:53' },
    ]);
    expect(quorumWorstMs(observe([twice]), 2)).toBeNull();
    expect(quorumWorstMs([], 1)).toBeNull();
  });

  test('property: over the threshold exactly when the status alarms (from ok), at or over the clear level exactly when it holds', () => {
    // Anycast included: rerouted / unreachable results, POPs seen by fewer probes than the quorum (corroboration
    // over a probe's recent rounds, pop-quorum.ts), running rounds.
    const spec = fc.record({
      pop: fc.constantFrom('LHR', 'SIN', 'NRT'),
      state: fc.constantFrom<PopResult['state']>(
        'propagated',
        'timeout',
        'pending',
        'failing',
        'rerouted',
        'unreachable',
      ),
      ms: fc.constantFrom(0, 10_000, 29_999, 30_000, 45_000, 60_000, 60_001, 90_000),
      target: fc.constantFrom('a:53', 'b:53'),
    });
    const rounds = fc.array(fc.uniqueArray(spec, { selector: (s) => `${s.pop} ${s.target}`, maxLength: 4 }), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ rounds, running: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        (probes, quorum, singleObserverRounds) => {
          const views = probes.map(({ rounds, running }, i) => history(`p${i}`, rounds, running));
          const settings = { ...SETTINGS, quorum, singleObserverRounds };
          const fromOk = evaluateStatus(null, views, settings, NOW);
          const worst = fromOk.quorumWorstMs;
          expect(fromOk.alarmPop !== null).toBe(worst !== null && worst > settings.alarmAboveMs);
          const alarm: Status = { ...fromOk.status, state: 'alarm' };
          const holding = evaluateStatus(alarm, views, settings, NOW);
          expect(holding.alarmPop !== null).toBe(worst !== null && worst >= settings.clearBelowMs);
          expect(holding.quorumWorstMs).toBe(worst);
          // With quorum 1 nothing needs corroboration: the figure of any single probe.
          if (quorum === 1) expect(worst).toBe(quorumWorstMs(fromOk.observations, 1));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

/** A probe with `rounds` (oldest first; the last running when `running`), kept as the StatusTracker keeps them. */
function history(id: string, rounds: Spec[][], running: boolean): ProbeView {
  const stored = rounds.map((pops, i) => {
    const round = view(id, pops).latestMeasured!;
    const receivedAt = NOW - (rounds.length - i) * 1_000;
    const state = running && i === rounds.length - 1 ? 'running' : 'complete';
    return { ...round, id: `${id}-r${i}`, serial: String(1_735_689_600_000 + i), state, receivedAt } as const;
  });
  const latest = stored.at(-1)!;
  const complete = stored.filter((r) => r.state === 'complete').reverse();
  return {
    id,
    lastReportAt: latest.receivedAt,
    latestMeasured: latest,
    previousComplete: complete.find((r) => r !== latest) ?? null,
    recentComplete: complete,
    consecutiveWriteFailures: 0,
  };
}
