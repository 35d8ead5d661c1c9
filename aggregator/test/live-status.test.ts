import { afterEach, expect, test, vi } from 'vitest';
import { type TestApp, FakeClock, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
afterEach(async () => {
  vi.useRealTimers();
  await t.cleanup();
});

const STATUS = {
  status: {
    quorum: 2,
    minFreshProbes: 2,
    alarmAboveMs: 30_000,
    clearBelowMs: 20_000,
    staleAfterMs: 60_000,
    reevaluateMs: 1_000,
  },
};
const pending = (lowerMs: number) =>
  pop('LHR', { state: 'pending', lowerMs, upperMs: undefined, estimateMs: undefined });

test('the re-evaluation timer raises the alarm while rounds are still running, and staleness follows silence', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  t = buildTestApp(STATUS);
  await t.app.ready();
  expect((await t.app.inject('/api/v1/status')).json().state).toBe('stale');
  for (const probe of ['p1', 'p2']) {
    await ingest(
      t.app,
      report(probe, { state: 'running', elapsedMs: 27_000, pops: [pending(27_000), pop('SIN')] }),
      probe,
    );
  }
  expect((await t.app.inject('/api/v1/status')).json().state).toBe('ok');
  // No further report yet (within maxExtrapolationMs, 5 s): the pending POP's lower bound grows with the aggregator's clock.
  t.clock.advance(4_000);
  vi.advanceTimersByTime(1_000);
  const alarm = (await t.app.inject('/api/v1/status')).json();
  expect(alarm).toMatchObject({
    state: 'alarm',
    worstMs: 31_000,
    worst: { pop: 'LHR' },
    since: new Date(t.clock.ms).toISOString(),
  });
  expect(alarm.reason).toMatch(/^LHR not serving serial \d+ after 31\.0 s \(probes p1, p2\)$/);
  // The rounds complete fast enough: the alarm clears on ingest.
  for (const probe of ['p1', 'p2'])
    await ingest(
      t.app,
      report(probe, {
        elapsedMs: 40_000,
        pops: [pop('LHR', { lowerMs: 14_900, upperMs: 15_100, estimateMs: 15_000 }), pop('SIN')],
      }),
      probe,
    );
  expect((await t.app.inject('/api/v1/status')).json().state).toBe('ok');
  t.clock.advance(61_000);
  vi.advanceTimersByTime(1_000);
  expect((await t.app.inject('/api/v1/status')).json()).toMatchObject({
    state: 'stale',
    probes: { fresh: 0, expected: 3 },
  });
});

test('probes that fall silent mid-round (network cut, reports refused) end up stale, never alarm', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  t = buildTestApp(STATUS);
  await t.app.ready();
  for (const probe of ['p1', 'p2']) {
    await ingest(
      t.app,
      report(probe, { state: 'running', elapsedMs: 10_000, pops: [pending(10_000), pop('SIN')] }),
      probe,
    );
  }
  const states = new Set<string>();
  for (let second = 0; second < 90; second++) {
    t.clock.advance(1_000);
    vi.advanceTimersByTime(1_000);
    states.add((await t.app.inject('/api/v1/status')).json().state);
  }
  expect([...states]).toEqual(['ok', 'stale']);
  expect((await t.app.inject('/api/v1/status')).json()).toMatchObject({
    state: 'stale',
    worstMs: 15_000,
    probes: { fresh: 0 },
  });
});

test('write failures on enough probes → degraded, restored after a restart from storage', async () => {
  const clock = new FakeClock();
  t = buildTestApp({ status: { minFreshProbes: 2, degradedAfterWriteFailures: 2 } }, { clock });
  for (const probe of ['p1', 'p2']) await ingest(t.app, report(probe), probe);
  for (const id of ['w1', 'w2']) {
    clock.advance(1_000);
    await ingest(
      t.app,
      report('p2', {
        id,
        state: 'write_failed',
        pops: [],
        startedAt: new Date(clock.ms).toISOString(),
        write: { submitToAckMs: 10, error: 'provider said 403' },
      }),
      'p2',
    );
  }
  const degraded = (await t.app.inject('/api/v1/status')).json();
  expect(degraded).toMatchObject({ state: 'degraded', reason: 'canary writes failing on probe p2: provider said 403' });
  await t.app.close();
  const again = buildTestApp(
    { status: { minFreshProbes: 2, degradedAfterWriteFailures: 2 } },
    { clock, dbPath: t.dbPath },
  );
  const restored = (await again.app.inject('/api/v1/status')).json();
  expect(restored).toMatchObject({ state: 'degraded', worst: { pop: 'SIN' }, probes: { fresh: 2 } });
  expect((await again.app.inject('/api/v1/rounds')).json().rounds).toHaveLength(4);
  await again.app.close();
});
