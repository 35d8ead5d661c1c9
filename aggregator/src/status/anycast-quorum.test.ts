/**
 * The status under anycast (issue 15): rerouted and unreachable results are loss of observation, never a
 * propagation figure; quorum per POP falls to the number of probes that observe it, with corroboration
 * (pop-quorum.ts). Rounds are built as the StatusTracker keeps them (latest, previous complete, recent complete).
 */
import { describe, expect, test } from 'vitest';
import type { PopResult, Status } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { findAlarmPops } from './alarm-pops.js';
import { type ProbeView, type StatusSettings, evaluateStatus } from './evaluate-status.js';

const NOW = Date.parse('2026-01-01T00:30:00Z');
const ROUND_MS = 60_000;
const SETTINGS: StatusSettings = {
  alarmAboveMs: 30_000,
  clearBelowMs: 20_000,
  quorum: 2,
  minFreshProbes: 1,
  staleAfterMs: 120_000,
  maxExtrapolationMs: 5_000,
  windowMs: 1_200_000,
  degradedAfterWriteFailures: 3,
  singleObserverRounds: 2,
};

/** `LHR:timeout`, `FRA:1000`, `LHR:pending:45000`, `ns1:unreachable:20000`, `AMS:rerouted:45000` (via ns1, anycast). */
function result(spec: string): PopResult {
  const [pop, a, b] = spec.split(':') as [string, string, string | undefined];
  const state = (/^\d+$/.test(a) ? 'propagated' : a) as PopResult['state'];
  const ms = Number(state === 'propagated' ? a : (b ?? 40_000));
  return {
    pop,
    target: '192.0.2.1:53',
    via: state === 'unreachable' ? pop : 'ns1',
    targetKind: 'anycast',
    state,
    lowerMs: ms,
    ...(state === 'propagated' ? { upperMs: ms, estimateMs: ms } : {}),
    queries: 3,
    failures: 0,
  };
}

/** A probe whose rounds are `rounds`, oldest first; the last one is running when `running`. */
function probe(id: string, rounds: string[][], options: { running?: boolean } = {}): ProbeView {
  const stored = rounds.map((pops, i): StoredRound => {
    const receivedAt = NOW - (rounds.length - 1 - i) * ROUND_MS - 1_000;
    const running = options.running === true && i === rounds.length - 1;
    return {
      probe: { id, region: 'r', version: '1' },
      id: `${id}-r${i}`,
      zone: 'z',
      record: 'x',
      serial: String(1_767_000_000_000 + i),
      startedAt: new Date(receivedAt - 50_000).toISOString(),
      state: running ? 'running' : 'complete',
      elapsedMs: 50_000,
      write: { submitToAckMs: 1 },
      pops: pops.map(result),
      firstReceivedAt: receivedAt,
      receivedAt,
    };
  });
  const latest = stored.at(-1) ?? null;
  const complete = stored.filter((r) => r.state === 'complete').reverse();
  return {
    id,
    lastReportAt: latest?.receivedAt ?? null,
    latestMeasured: latest,
    previousComplete: complete.find((r) => r !== latest) ?? null,
    recentComplete: complete,
    consecutiveWriteFailures: 0,
  };
}

const run = (probes: ProbeView[], previous: Status | null = null, settings: Partial<StatusSettings> = {}) =>
  evaluateStatus(previous, probes, { ...SETTINGS, ...settings }, NOW);

const healthy = (id: string, pops = ['FRA:1000', 'AMS:1200']) => probe(id, [pops, pops]);

describe('rerouted and unreachable are loss of observation, not propagation figures', () => {
  test('a rerouted instance censored at 45 s is no breach (quorum 1), and no observation', () => {
    const evaluation = run([probe('p1', [['AMS:rerouted:45000', 'LHR:900']])], null, { quorum: 1 });
    expect(evaluation.status.state).toBe('ok');
    expect(evaluation.observations.map((o) => o.pop)).toEqual(['LHR']);
    expect(evaluation.quorumWorstMs).toBe(900);
  });

  test('a rerouted instance of the previous round is not carried over into the running round as stuck', () => {
    const p1 = probe(
      'p1',
      [
        ['AMS:rerouted:45000', 'LHR:900'],
        ['AMS:pending:1000', 'LHR:pending:1000'],
      ],
      {
        running: true,
      },
    );
    const evaluation = run([p1], null, { quorum: 1 });
    expect(evaluation.status.state).toBe('ok');
    expect(evaluation.worst).toMatchObject({ pop: 'AMS', ms: 1_000 + 1_000 });
  });

  test('a probe that reaches nothing (every target unreachable for 60 s) raises no alarm', () => {
    const evaluation = run([probe('p1', [['ns1:unreachable:60000', 'ns2:unreachable:60000']])], null, { quorum: 1 });
    expect(evaluation.status.state).toBe('stale');
    expect(evaluation.observations).toEqual([]);
    expect(evaluation.quorumWorstMs).toBeNull();
  });

  test('a probe losing sight of a stuck POP does not turn off the alarm another probe sees', () => {
    // Quorum 2: both saw LHR stuck; p1's target then answers nothing (its entry censored at 20 s, under the
    // threshold). p1 is no longer an observer: LHR's effective quorum is 1 and p2 (2 rounds, SIN healthy) holds it.
    const p1 = probe('p1', [
      ['LHR:timeout', 'SIN:900'],
      ['LHR:unreachable:20000', 'SIN:900'],
    ]);
    const p2 = probe('p2', [
      ['LHR:timeout', 'SIN:800'],
      ['LHR:timeout', 'SIN:800'],
    ]);
    const alarm: Status = { ...run([p1, p2]).status, state: 'alarm' };
    for (const previous of [null, alarm]) {
      const evaluation = run([p1, p2], previous);
      expect(evaluation.status.state).toBe('alarm');
      expect(evaluation.breaching).toEqual(['p2']);
      expect(evaluation.quorumWorstMs).toBe(Number.POSITIVE_INFINITY);
    }
  });
});

describe('quorum under anycast (quorum 2, singleObserverRounds 2)', () => {
  test.each<[string, ProbeView[], Status['state'], string[], number | null]>([
    [
      'a stuck POP seen by one probe alarms once its timeout is final in 2 consecutive rounds',
      [
        probe('p1', [
          ['LHR:timeout', 'FRA:900'],
          ['LHR:timeout', 'FRA:900'],
        ]),
        healthy('p2'),
        healthy('p3'),
      ],
      'alarm',
      ['p1'],
      Number.POSITIVE_INFINITY,
    ],
    ['… but not after one round', [probe('p1', [['LHR:timeout', 'FRA:900']]), healthy('p2')], 'ok', [], 1_200],
    [
      '… nor when the streak broke (the catchment showed AMS the round before)',
      [
        probe('p1', [
          ['AMS:900', 'FRA:900'],
          ['LHR:timeout', 'FRA:900'],
        ]),
        healthy('p2'),
      ],
      'ok',
      [],
      1_200,
    ],
    [
      '… and a round still waiting for it neither breaks nor extends the streak',
      [
        probe(
          'p1',
          [
            ['LHR:timeout', 'FRA:900'],
            ['LHR:timeout', 'FRA:900'],
            ['LHR:pending:2000', 'FRA:900'],
          ],
          {
            running: true,
          },
        ),
        healthy('p2'),
      ],
      'alarm',
      ['p1'],
      Number.POSITIVE_INFINITY,
    ],
    [
      'one lying probe cannot page alone about a POP several probes see healthy',
      [
        probe('p1', [
          ['LHR:timeout', 'FRA:900'],
          ['LHR:timeout', 'FRA:900'],
          ['LHR:timeout', 'FRA:900'],
        ]),
        healthy('p2', ['LHR:1000']),
        healthy('p3', ['LHR:1100', 'FRA:1000']),
      ],
      'ok',
      [],
      1_100,
    ],
    [
      'a probe whose every POP breaches is broken, not the network: it does not page alone',
      [
        probe('p1', [
          ['LHR:timeout', 'FRA:timeout'],
          ['LHR:timeout', 'FRA:timeout'],
        ]),
        healthy('p2', ['AMS:1000', 'SIN:900']),
      ],
      'ok',
      [],
      1_000,
    ],
    [
      'a probe that sees a single POP has nothing to compare with: it does not page alone',
      [probe('p1', [['LHR:timeout'], ['LHR:timeout']]), healthy('p2', ['AMS:1000'])],
      'ok',
      [],
      // Nobody's vote counts: AMS too is seen by one probe that sees nothing else.
      null,
    ],
    [
      'a POP two probes see stuck still needs no corroboration',
      [probe('p1', [['LHR:timeout']]), probe('p2', [['LHR:timeout']])],
      'alarm',
      ['p1', 'p2'],
      Number.POSITIVE_INFINITY,
    ],
    [
      'a late (measured) single-observer breach counts at its smallest figure of the streak',
      [
        probe('p1', [
          ['LHR:45000', 'FRA:900'],
          ['LHR:35000', 'FRA:900'],
        ]),
        healthy('p2'),
      ],
      'alarm',
      ['p1'],
      35_000,
    ],
  ])('%s', (_name, probes, state, breaching, worst) => {
    const evaluation = run(probes);
    expect(evaluation.status.state).toBe(state);
    expect(evaluation.breaching).toEqual(breaching);
    expect(evaluation.quorumWorstMs).toBe(worst);
    // The per-POP alert (propwatch_alarm_pop, Alertmanager) names the POP whenever the status alarms on it,
    // corroborated single-observer alarms included, and nothing otherwise.
    expect(findAlarmPops(evaluation).map((breach) => [breach.pop, breach.probes])).toEqual(
      state === 'alarm' ? [[evaluation.alarmPop, breaching]] : [],
    );
  });

  test('the reason of a corroborated alarm says how it was confirmed, and names the address and vantage', () => {
    const p1 = probe('p-eu-west', [
      ['LHR:timeout', 'FRA:900'],
      ['LHR:timeout:90000', 'FRA:900'],
    ]);
    expect(run([p1, healthy('p2')]).status.reason).toBe(
      'LHR (via ns1 from p-eu-west) not serving serial 1767000000001 after ≥ 90.0 s (timeout; probe p-eu-west); ' +
        'only 1 of quorum 2 probes observe it: corroborated over 2 rounds, their other POPs healthy',
    );
  });

  test('quorum 3 with two observers: both corroborated votes are needed', () => {
    const stuck = (id: string) =>
      probe(id, [
        ['LHR:timeout', 'FRA:900'],
        ['LHR:timeout', 'FRA:900'],
      ]);
    const young = probe('p2', [['LHR:timeout', 'FRA:900']]);
    expect(run([stuck('p1'), stuck('p2'), healthy('p3')], null, { quorum: 3 }).status.state).toBe('alarm');
    expect(run([stuck('p1'), young, healthy('p3')], null, { quorum: 3 }).status.state).toBe('ok');
  });

  test('singleObserverRounds 1: the first final timeout pages; quorum 1 never asks for corroboration', () => {
    const once = [probe('p1', [['LHR:timeout', 'FRA:900']]), healthy('p2')];
    expect(run(once, null, { singleObserverRounds: 1 }).status.state).toBe('alarm');
    expect(run([probe('p1', [['LHR:timeout']])], null, { quorum: 1 }).status.state).toBe('alarm');
  });

  test('hysteresis: a held single-observer alarm stays while the streak is at or above clearBelowMs', () => {
    const p1 = probe('p1', [
      ['LHR:timeout', 'FRA:900'],
      ['LHR:25000', 'FRA:900'],
    ]);
    const alarm: Status = { ...run([p1, healthy('p2')]).status, state: 'alarm' };
    const held = run([p1, healthy('p2')], alarm);
    expect(held.status.state).toBe('alarm');
    expect(held.status.reason).toContain('holding until below 20.0 s');
    expect(held.quorumWorstMs).toBe(25_000);
    expect(run([p1, healthy('p2')]).status.state).toBe('ok');
  });
});
