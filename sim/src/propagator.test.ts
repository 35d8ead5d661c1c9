import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroundTruth } from './ground-truth.js';
import { momentOf } from './moment.js';
import type { PropagationModel, PropagationPlan } from './propagation-model.js';
import { Propagator } from './propagator.js';
import { resolvePops } from './topology.js';
import { ZoneStore } from './zone-store.js';

const pops = resolvePops({
  pops: [
    { name: 'ORD', region: 'na' },
    { name: 'LHR', region: 'eu' },
  ],
});
// Under vi.useFakeTimers Date.now() is the fake time: the monotonic clock of these tests.
const clock = { monotonicNow: () => Date.now() };

/** A model whose delays the test dictates: plans[i] is for the i-th commit, catch-up is always 50 ms. */
function scriptedModel(plans: Array<Record<string, number>>): Pick<PropagationModel, 'planNext' | 'catchUpDelay'> {
  let next = 0;
  return {
    planNext: (): PropagationPlan => {
      const delays = plans[next++]!;
      return {
        regionMs: new Map([
          ['na', 0],
          ['eu', 0],
        ]),
        hopMs: new Map(Object.entries(delays)),
        popMs: new Map(Object.entries(delays)),
      };
    },
    catchUpDelay: () => 50,
  };
}

describe('Propagator', () => {
  let store: ZoneStore;
  let truth: GroundTruth;
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    store = new ZoneStore(
      'propwatch.test',
      1,
      momentOf(clock),
      (() => {
        let i = 0;
        return () => `id${i++}`;
      })(),
    );
    truth = new GroundTruth();
    truth.recordCommit(store.latest);
  });
  afterEach(() => vi.useRealTimers());

  const setup = (plans: Array<Record<string, number>>, timeScale = 1) => {
    const propagator = new Propagator({
      pops,
      model: scriptedModel(plans),
      truth,
      clock,
      timeScale,
      latestVersion: () => store.latest.version,
    });
    propagator.start(store.latest);
    const commit = (serial: number) => {
      store.insert(
        {
          name: 'p1._propwatch.propwatch.test',
          content: `propwatch=1 serial=${serial} probe=p1`,
          ttl: 60,
          comment: null,
        },
        new Date().toISOString(),
      );
      const snapshot = store.commit(momentOf(clock));
      truth.recordCommit(snapshot);
      propagator.onCommit(snapshot);
    };
    return { propagator, commit };
  };

  it('applies each version after its delay, scaled by timeScale', () => {
    const { propagator, commit } = setup([{ ORD: 1000, LHR: 2000 }], 0.5);
    commit(10);
    vi.advanceTimersByTime(499);
    expect(propagator.appliedVersion('ORD')).toBe(0);
    vi.advanceTimersByTime(1);
    expect(propagator.appliedVersion('ORD')).toBe(1);
    expect(propagator.appliedVersion('LHR')).toBe(0);
    vi.advanceTimersByTime(500);
    expect(truth.servedAt('p1._propwatch.propwatch.test', 10n)).toEqual(
      new Map([
        ['ORD', { monotonicMs: 500, epochMs: 500 }],
        ['LHR', { monotonicMs: 1000, epochMs: 1000 }],
      ]),
    );
  });

  it('switches at exactly the scheduled instant even when the timer runs late (a query applies due arrivals first)', () => {
    const { propagator, commit } = setup([{ ORD: 300, LHR: 300 }]);
    commit(10);
    vi.setSystemTime(1000); // the clock moves on, but no timer has run yet
    expect(propagator.appliedVersion('ORD')).toBe(1);
    expect(truth.versionServedAt('ORD', 1)?.monotonicMs).toBe(300);
  });

  it('never lets a later version overtake an earlier one at the same POP', () => {
    const { propagator, commit } = setup([
      { ORD: 1000, LHR: 10 },
      { ORD: 100, LHR: 10 },
    ]);
    commit(10);
    commit(20);
    vi.advanceTimersByTime(500);
    expect(propagator.appliedVersion('ORD')).toBe(0);
    vi.advanceTimersByTime(500);
    expect(propagator.appliedVersion('ORD')).toBe(2);
    expect(truth.versionServedAt('ORD', 2)?.monotonicMs).toBe(1000);
    expect(truth.servedAt('p1._propwatch.propwatch.test', 10n).get('ORD')?.monotonicMs).toBe(1000);
  });

  it('slow adds its extra delay to each change', () => {
    const { propagator, commit } = setup([{ ORD: 100, LHR: 100 }]);
    propagator.setFault('ORD', { kind: 'slow', extraMs: 400 });
    commit(10);
    vi.advanceTimersByTime(100);
    expect([propagator.appliedVersion('ORD'), propagator.appliedVersion('LHR')]).toEqual([0, 1]);
    vi.advanceTimersByTime(400);
    expect(truth.versionServedAt('ORD', 1)?.monotonicMs).toBe(500);
  });

  it('stuck receives nothing until cleared, then catches up after one hop', () => {
    const { propagator, commit } = setup([
      { ORD: 100, LHR: 100 },
      { ORD: 100, LHR: 100 },
    ]);
    propagator.setFault('LHR', { kind: 'stuck' });
    commit(10);
    commit(20);
    vi.advanceTimersByTime(60_000);
    expect(propagator.appliedVersion('LHR')).toBe(0);
    expect(truth.servedAt('p1._propwatch.propwatch.test', 10n).get('LHR')).toBeNull();
    propagator.setFault('LHR', null);
    vi.advanceTimersByTime(49);
    expect(propagator.appliedVersion('LHR')).toBe(0);
    vi.advanceTimersByTime(1);
    expect(propagator.appliedVersion('LHR')).toBe(2);
    expect(truth.servedAt('p1._propwatch.propwatch.test', 20n).get('LHR')?.monotonicMs).toBe(60_050);
  });

  it('a down POP applies changes but serves them only from the moment it comes back', () => {
    const { propagator, commit } = setup([{ ORD: 100, LHR: 100 }]);
    propagator.setFault('ORD', { kind: 'down' });
    commit(10);
    vi.advanceTimersByTime(1000);
    expect(propagator.appliedVersion('ORD')).toBe(1);
    expect(truth.versionServedAt('ORD', 1)).toBeNull();
    propagator.setFault('ORD', null);
    expect(truth.versionServedAt('ORD', 1)?.monotonicMs).toBe(1000);
  });

  it('close() cancels every pending timer', () => {
    const { propagator, commit } = setup([{ ORD: 100, LHR: 100 }]);
    commit(10);
    propagator.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('names the known POPs when given an unknown one', () => {
    const { propagator } = setup([]);
    expect(() => propagator.setFault('XXX', null)).toThrow('unknown POP "XXX"; known POPs: ORD, LHR');
  });
});
