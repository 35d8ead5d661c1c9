import { describe, expect, test } from 'vitest';
import type { PopResult, Status } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { type ProbeView, type StatusSettings, evaluateStatus } from './evaluate-status.js';

const NOW = Date.parse('2025-01-01T00:10:00Z');
const SETTINGS: StatusSettings = {
  alarmAboveMs: 30_000,
  clearBelowMs: 20_000,
  quorum: 2,
  minFreshProbes: 2,
  staleAfterMs: 60_000,
  maxExtrapolationMs: 5_000,
  windowMs: 600_000,
  degradedAfterWriteFailures: 3,
};

type PopSpec = { pop: string; state?: PopResult['state']; ms: number };

function probe(
  id: string,
  pops: PopSpec[],
  extra: Partial<ProbeView> & { running?: boolean; reportAgoMs?: number } = {},
): ProbeView {
  const receivedAt = NOW - (extra.reportAgoMs ?? 1_000);
  const round: StoredRound = {
    probe: { id, region: 'r', version: '1' },
    id: `${id}-r`,
    zone: 'z',
    record: 'x',
    serial: '1735689600000',
    startedAt: new Date(receivedAt - 50_000).toISOString(),
    state: extra.running ? 'running' : 'complete',
    elapsedMs: 50_000,
    write: { submitToAckMs: 10 },
    pops: pops.map(({ pop, state = 'propagated', ms }) => ({
      pop,
      target: `${pop}:53`,
      state,
      lowerMs: ms,
      ...(state === 'propagated' ? { upperMs: ms, estimateMs: ms } : {}),
      queries: 5,
      failures: 0,
    })),
    firstReceivedAt: receivedAt,
    receivedAt,
  };
  return {
    id,
    lastReportAt: receivedAt,
    latestMeasured: pops.length ? round : null,
    consecutiveWriteFailures: 0,
    ...extra,
  };
}

const fast = (id: string) => probe(id, [{ pop: 'LHR', ms: 1_000 }]);
const slow = (id: string, ms = 42_000, state: PopResult['state'] = 'propagated') =>
  probe(id, [
    { pop: 'LHR', ms, state },
    { pop: 'SIN', ms: 500 },
  ]);

function run(probes: ProbeView[], previous: Status | null = null, settings: Partial<StatusSettings> = {}, now = NOW) {
  return evaluateStatus(previous, probes, { ...SETTINGS, ...settings }, now);
}

describe('status state machine', () => {
  test.each<[string, ProbeView[], Status['state']]>([
    ['all fast → ok', [fast('p1'), fast('p2'), fast('p3')], 'ok'],
    ['breach by one probe with quorum 2 stays ok', [slow('p1'), fast('p2'), fast('p3')], 'ok'],
    ['breach by two probes → alarm', [slow('p1'), slow('p2'), fast('p3')], 'alarm'],
    ['timeouts count as breaches', [slow('p1', 60_000, 'timeout'), slow('p2', 60_000, 'timeout'), fast('p3')], 'alarm'],
    [
      'pending lower bounds count as breaches',
      [slow('p1', 31_000, 'pending'), slow('p2', 31_000, 'failing'), fast('p3')],
      'alarm',
    ],
    ['at exactly the threshold is not a breach', [slow('p1', 30_000), slow('p2', 30_000)], 'ok'],
    ['all probes silent → stale', [fast('p1'), fast('p2')].map((p) => ({ ...p, lastReportAt: NOW - 61_000 })), 'stale'],
    [
      'never reported → stale, never ok on missing data',
      [probe('p1', []), probe('p2', [])].map((p) => ({ ...p, lastReportAt: null })),
      'stale',
    ],
    ['one fresh of minFresh 2 → stale', [fast('p1'), { ...fast('p2'), lastReportAt: NOW - 120_000 }], 'stale'],
    [
      'writes failing on enough probes → degraded',
      [fast('p1'), { ...fast('p2'), consecutiveWriteFailures: 3 }],
      'degraded',
    ],
    ['fewer write failures than the limit → ok', [fast('p1'), { ...fast('p2'), consecutiveWriteFailures: 2 }], 'ok'],
    [
      'alarm wins over stale (evidence from quorum, others silent)',
      [slow('p1'), slow('p2'), { ...fast('p3'), lastReportAt: null }].map((p) => ({
        ...p,
        lastReportAt: NOW - 90_000,
      })),
      'alarm',
    ],
    [
      'rounds outside the window do not count (no data → stale)',
      [slow('p1', 42_000), slow('p2', 42_000)].map((p) => ({
        ...p,
        latestMeasured: { ...p.latestMeasured!, receivedAt: NOW - 700_000 },
      })),
      'stale',
    ],
  ])('%s', (_name, probes, expected) => {
    expect(run(probes).status.state).toBe(expected);
  });

  test('running round already past the threshold → alarm before it completes (lower bound grows with time)', () => {
    const running = (id: string) =>
      probe(id, [{ pop: 'LHR', state: 'pending', ms: 27_000 }], { running: true, reportAgoMs: 0 });
    const probes = [running('p1'), running('p2')];
    const first = run(probes);
    expect(first.status.state).toBe('ok');
    // No new report yet (within maxExtrapolationMs): 4 s later the pending POP is at least 31 s late.
    const later = run(probes, first.status, {}, NOW + 4_000);
    expect(later.status.state).toBe('alarm');
    expect(later.status.worstMs).toBe(31_000);
    expect(later.status.reason).toBe('LHR not serving serial 1735689600000 after 31.0 s (probes p1, p2)');
  });

  test('hysteresis holds: stays in alarm between the thresholds, clears below clearBelowMs', () => {
    const alarm = run([slow('p1', 45_000), slow('p2', 45_000)]);
    expect(alarm.status.state).toBe('alarm');
    const between = run([slow('p1', 25_000), slow('p2', 25_000)], alarm.status, {}, NOW + 1_000);
    expect(between.status.state).toBe('alarm');
    expect(between.status.since).toBe(alarm.status.since);
    expect(between.status.reason).toContain('holding until below 20.0 s');
    // from ok, the same 25 s would not alarm
    expect(run([slow('p1', 25_000), slow('p2', 25_000)]).status.state).toBe('ok');
    const cleared = run([slow('p1', 19_000), slow('p2', 19_000)], between.status, {}, NOW + 2_000);
    expect(cleared.status.state).toBe('ok');
    expect(cleared.status.since).toBe(new Date(NOW + 2_000).toISOString());
  });

  test('the ok after an alarm reads as a recovery: which POP, how long the alarm lasted, the worst now', () => {
    const alarm = run([slow('p1', 45_000), slow('p2', 45_000), fast('p3')], null, {}, NOW - 60_000);
    expect(alarm.status.state).toBe('alarm');
    const recovered = run(
      [slow('p1', 1_500), probe('p2', [{ pop: 'NRT', ms: 3_900 }]), fast('p3')],
      alarm.status,
      {},
      NOW + 2_000,
    );
    expect(recovered.status.state).toBe('ok');
    expect(recovered.status.reason).toBe(
      'LHR serving again after 62 s; worst now NRT took 3.9 s (3.9 s–3.9 s) to serve serial 1735689600000 ' +
        '(probe p2); 3 of 3 probes fresh',
    );
    // The status is polled: the recovery is told for a window (here 10 s), with the worst figure of the moment.
    const fastLater = (id: string) => probe(id, [{ pop: 'LHR', ms: 1_000 }], { reportAgoMs: -9_000 });
    const probes = [fastLater('p1'), fastLater('p2'), fastLater('p3')];
    const later = run(probes, recovered.status, { windowMs: 10_000 }, NOW + 11_000);
    expect(later.status.reason).toMatch(/^LHR serving again after 62 s; worst now LHR took 1\.0 s /);
    const after = run(probes, later.status, { windowMs: 10_000 }, NOW + 12_000);
    expect(after.status.state).toBe('ok');
    expect(after.status.reason).toMatch(/^worst LHR took 1\.0 s/);
  });

  test('since changes only on a state change; updatedAt always moves', () => {
    const a = run([fast('p1'), fast('p2')]);
    const b = run([fast('p1'), fast('p2')], a.status, {}, NOW + 5_000);
    expect(b.status.since).toBe(a.status.since);
    expect(b.status.updatedAt).toBe(new Date(NOW + 5_000).toISOString());
  });

  test('status fields: worst pair, fresh/expected, threshold, reasons naming probes and POPs', () => {
    const { status } = run([slow('p1', 42_000), slow('p2', 50_000, 'timeout'), fast('p3')]);
    expect(status).toMatchObject({
      state: 'alarm',
      worstMs: 50_000,
      worst: { probe: 'p2', pop: 'LHR' },
      thresholdMs: 30_000,
      probes: { fresh: 3, expected: 3 },
    });
    expect(status.reason).toBe('LHR not serving serial 1735689600000 after ≥ 50.0 s (timeout; probes p1, p2)');
    const stale = run([fast('p1'), { ...fast('p2'), lastReportAt: null }]).status;
    expect(stale.reason).toBe('only 1 of 2 probes reported within 60.0 s, 2 needed (silent: p2)');
    const degraded = run([
      fast('p1'),
      { ...fast('p2'), consecutiveWriteFailures: 4, lastWriteError: 'HTTP 403 from provider' },
    ]).status;
    expect(degraded.reason).toBe('canary writes failing on probe p2: HTTP 403 from provider');
    const empty = run([probe('p1', []), probe('p2', [])]).status;
    expect(empty).toMatchObject({
      state: 'stale',
      worstMs: null,
      worst: null,
      reason: 'no propagation data in the last 600.0 s although 2 probes report',
    });
  });
});

describe('a POP stays as late as last seen until a new round resolves it', () => {
  // p1 and p2 saw LHR time out at 60 s in their last complete round; their next round has just started.
  const withNewRound = (id: string, lhr: PopSpec) => {
    const previous = probe(
      id,
      [
        { pop: 'LHR', ms: 60_000, state: 'timeout' },
        { pop: 'SIN', ms: 500 },
      ],
      { reportAgoMs: 20_000 },
    ).latestMeasured!;
    const view = probe(id, [lhr, { pop: 'SIN', ms: 400 }], { running: true });
    view.latestMeasured = { ...view.latestMeasured!, id: `${id}-r2`, startedAt: new Date(NOW - 2_000).toISOString() };
    return { ...view, previousComplete: previous };
  };
  const alarm = run([slow('p1', 60_000, 'timeout'), slow('p2', 60_000, 'timeout')]).status;

  test('the alarm holds while the new round still has LHR pending', () => {
    const next = run(
      [
        withNewRound('p1', { pop: 'LHR', ms: 900, state: 'pending' }),
        withNewRound('p2', { pop: 'LHR', ms: 900, state: 'pending' }),
      ],
      alarm,
    );
    expect(next.status.state).toBe('alarm');
    expect(next.worst).toMatchObject({ pop: 'LHR', ms: 60_000, kind: 'censored' });
  });

  test('the alarm clears once the new round shows LHR serving quickly', () => {
    const next = run([withNewRound('p1', { pop: 'LHR', ms: 800 }), withNewRound('p2', { pop: 'LHR', ms: 900 })], alarm);
    expect(next.status.state).toBe('ok');
    expect(next.worst?.ms).toBeLessThan(1_000);
  });

  test('a fast previous round does not hide a pending lower bound that is already larger', () => {
    const view = withNewRound('p1', { pop: 'LHR', ms: 45_000, state: 'pending' });
    view.previousComplete = fast('p1').latestMeasured!;
    const next = run([view, withNewRound('p2', { pop: 'LHR', ms: 45_000, state: 'pending' })]);
    expect(next.status.state).toBe('alarm');
  });
});

describe('a silent probe does not turn into an alarm', () => {
  // The probe's last report (90 s ago) said LHR was pending at 10 s; since then nothing: network cut, or the aggregator refusing writes.
  const silent = (id: string) =>
    probe(
      id,
      [
        { pop: 'LHR', state: 'pending', ms: 10_000 },
        { pop: 'SIN', ms: 500 },
      ],
      { running: true, reportAgoMs: 90_000 },
    );
  const single = { quorum: 1, minFreshProbes: 1 };

  test('the pending bound grows at most maxExtrapolationMs past the last report; the only probe being silent → stale, not alarm', () => {
    const { status, worst } = run([silent('p1')], null, single);
    expect(status.state).toBe('stale');
    expect(worst).toMatchObject({ pop: 'LHR', kind: 'lower-bound', ms: 15_000 });
  });

  test('every probe silent with a pending POP → stale, even from alarm-capable quorum', () => {
    expect(run([silent('p1'), silent('p2')]).status.state).toBe('stale');
  });

  test('a probe reporting every second keeps its bound growing between reports, so the alarm still fires during the round', () => {
    // Reports at 1 s intervals: the last one 900 ms ago said LHR pending at 29.5 s.
    const live = (id: string) =>
      probe(id, [{ pop: 'LHR', state: 'pending', ms: 29_500 }], { running: true, reportAgoMs: 900 });
    const { status, worst } = run([live('p1')], null, single);
    expect(worst?.ms).toBe(30_400);
    expect(status.state).toBe('alarm');
  });
});

describe('quorum is counted per POP', () => {
  const slowOn = (id: string, slowPop: string, ms = 42_000) =>
    probe(
      id,
      ['LHR', 'SIN', 'NRT'].map((pop) => ({ pop, ms: pop === slowPop ? ms : 800 })),
    );

  test.each<[string, ProbeView[], Status['state'], string[]]>([
    [
      'different slow POPs per probe (LHR by p1, SIN by p2) with quorum 2 → ok',
      [slowOn('p1', 'LHR'), slowOn('p2', 'SIN'), fast('p3')],
      'ok',
      [],
    ],
    [
      'the same slow POP seen by two probes → alarm',
      [slowOn('p1', 'LHR'), slowOn('p2', 'LHR'), fast('p3')],
      'alarm',
      ['p1', 'p2'],
    ],
    [
      'only the probes that see the alarm POP are breaching',
      [slowOn('p1', 'LHR'), slowOn('p2', 'LHR'), slowOn('p3', 'SIN')],
      'alarm',
      ['p1', 'p2'],
    ],
  ])('%s', (_name, probes, state, breaching) => {
    const evaluation = run(probes);
    expect(evaluation.status.state).toBe(state);
    expect(evaluation.breaching).toEqual(breaching);
  });

  test('the reason names the alarm POP and exactly the probes that see it', () => {
    // p3 is the slowest on SIN alone: the worst overall, but not confirmed by a second probe.
    const evaluation = run([slowOn('p1', 'LHR', 40_000), slowOn('p2', 'LHR', 45_000), slowOn('p3', 'SIN', 90_000)]);
    expect(evaluation.alarmPop).toBe('LHR');
    expect(evaluation.status.reason).toBe(
      'LHR took 45.0 s (45.0 s–45.0 s) to serve serial 1735689600000 (probes p1, p2)',
    );
  });

  test('several POPs at quorum: the worst one is named', () => {
    const probes = [
      probe('p1', [
        { pop: 'LHR', ms: 40_000 },
        { pop: 'SIN', ms: 50_000 },
      ]),
      probe('p2', [
        { pop: 'LHR', ms: 41_000 },
        { pop: 'SIN', ms: 35_000 },
      ]),
    ];
    expect(run(probes)).toMatchObject({ alarmPop: 'SIN', breaching: ['p1', 'p2'] });
  });

  test('below quorum the ok reason says which POP each probe sees over', () => {
    expect(run([slowOn('p1', 'LHR'), slowOn('p2', 'SIN', 50_000), fast('p3')]).status.reason).toMatch(
      /; below quorum 2: SIN seen by probe p2, LHR seen by probe p1$/,
    );
  });

  test('a POP listed under two targets by one probe counts once', () => {
    const twice = probe('p1', [
      { pop: 'LHR', ms: 42_000 },
      { pop: 'LHR', ms: 43_000 },
    ]);
    expect(run([twice, fast('p2')]).status.state).toBe('ok');
  });

  test('hysteresis is per POP: held while quorum still sees that POP at or above clearBelowMs', () => {
    const alarm = run([slowOn('p1', 'LHR', 45_000), slowOn('p2', 'LHR', 45_000)]);
    expect(alarm.status.state).toBe('alarm');
    // Between the thresholds on LHR for both probes: held.
    const held = run([slowOn('p1', 'LHR', 25_000), slowOn('p2', 'LHR', 25_000)], alarm.status, {}, NOW + 1_000);
    expect(held.status).toMatchObject({ state: 'alarm', since: alarm.status.since });
    expect(held.status.reason).toContain('(probes p1, p2); holding until below 20.0 s');
    // Between the thresholds, but on different POPs: no single POP has quorum → cleared.
    const split = run([slowOn('p1', 'LHR', 25_000), slowOn('p2', 'SIN', 25_000)], held.status, {}, NOW + 2_000);
    expect(split.status.state).toBe('ok');
  });
});

describe('a timeout is a breach whatever the probe waited (issue 12 item 1)', () => {
  // alarmAboveMs 30 s, clearBelowMs 20 s. A timeout is censored at the probe's maxWaitMs.
  const timedOut = (id: string, maxWaitMs: number) => slow(id, maxWaitMs, 'timeout');

  test.each<[string, number, Status['state']]>([
    ['maxWaitMs above alarmAboveMs', 45_000, 'alarm'],
    ['maxWaitMs equal to alarmAboveMs', 30_000, 'alarm'],
    ['maxWaitMs below alarmAboveMs', 20_000, 'alarm'],
    ['maxWaitMs below clearBelowMs', 5_000, 'alarm'],
  ])('%s: a POP timing out at quorum raises the alarm', (_name, maxWaitMs, state) => {
    const evaluation = run([timedOut('p1', maxWaitMs), timedOut('p2', maxWaitMs), fast('p3')]);
    expect(evaluation.status.state).toBe(state);
    expect(evaluation.alarmPop).toBe('LHR');
    expect(evaluation.status.reason).toBe(
      `LHR not serving serial 1735689600000 after ≥ ${(maxWaitMs / 1000).toFixed(1)} s (timeout; probes p1, p2)`,
    );
  });

  test('below quorum a timeout alarms nobody, but the ok reason names it', () => {
    const evaluation = run([timedOut('p1', 30_000), fast('p2'), fast('p3')]);
    expect(evaluation.status.state).toBe('ok');
    expect(evaluation.status.reason).toBe(
      'worst LHR not serving serial 1735689600000 after ≥ 30.0 s (timeout; probe p1); 3 of 3 probes fresh; below quorum 2: LHR seen by probe p1',
    );
  });

  test('with quorum 1 one probe timing out at its 30 s wait alarms under a 60 s threshold (the shipped examples)', () => {
    const evaluation = run([timedOut('p1', 30_000)], null, {
      alarmAboveMs: 60_000,
      clearBelowMs: 30_000,
      quorum: 1,
      minFreshProbes: 1,
    });
    expect(evaluation.status.state).toBe('alarm');
    // The timeout is the worst figure, before a larger measurement of another POP: it may never serve.
    const withSlowSin = probe('p1', [
      { pop: 'LHR', ms: 30_000, state: 'timeout' },
      { pop: 'SIN', ms: 50_000 },
    ]);
    const worst = run([withSlowSin], null, {
      alarmAboveMs: 60_000,
      clearBelowMs: 30_000,
      quorum: 1,
      minFreshProbes: 1,
    });
    expect(worst).toMatchObject({ alarmPop: 'LHR', worst: { pop: 'LHR', kind: 'censored' } });
  });

  test('timeouts hold the alarm (hysteresis); it clears once quorum no longer sees one', () => {
    const alarm = run([timedOut('p1', 10_000), timedOut('p2', 10_000)]);
    expect(alarm.status.state).toBe('alarm');
    const held = run([timedOut('p1', 10_000), timedOut('p2', 10_000)], alarm.status, {}, NOW + 1_000);
    expect(held.status).toMatchObject({ state: 'alarm', since: alarm.status.since });
    // Still over alarmAboveMs as a timeout, so not "held only by hysteresis".
    expect(held.status.reason).not.toContain('holding until below');
    const oneLeft = run([timedOut('p1', 10_000), fast('p2')], held.status, {}, NOW + 2_000);
    expect(oneLeft.status.state).toBe('ok');
  });

  test('the previous round timing out (below the threshold) holds the alarm while the next round has the POP pending', () => {
    const next = (id: string) => {
      const previous = probe(id, [{ pop: 'LHR', ms: 20_000, state: 'timeout' }], {
        reportAgoMs: 25_000,
      }).latestMeasured!;
      // The new round's pending bound (25 s) is larger than the old timeout's 20 s, but it is only a lower bound.
      const view = probe(id, [{ pop: 'LHR', ms: 25_000, state: 'pending' }], { running: true });
      view.latestMeasured = { ...view.latestMeasured!, id: `${id}-r2`, serial: '1735689660000' };
      return { ...view, previousComplete: previous };
    };
    const alarm = run([timedOut('p1', 20_000), timedOut('p2', 20_000)]);
    expect(alarm.status.state).toBe('alarm');
    const during = run([next('p1'), next('p2')], alarm.status, {}, NOW + 1_000);
    expect(during.status.state).toBe('alarm');
    expect(during.worst).toMatchObject({ pop: 'LHR', kind: 'censored', serial: '1735689600000' });
  });
});
