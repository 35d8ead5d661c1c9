import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BeaconMachine, LAMP_TEST_MS, type BeaconMachineOptions } from './beacon-machine.js';
import { patternFor, type BeaconPatterns, type BeaconState } from './beacon-state.js';
import type { Clock } from '@propwatch/shared';

const patterns: BeaconPatterns = {
  stale: { onMs: 1000, offMs: 1000 },
  degraded: { onMs: 300, offMs: 2700 },
  unreachable: { onMs: 150, offMs: 850 },
  quietAlarm: { onMs: 250, offMs: 250 },
};

const fakeTimers: Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'> = {
  // Date.now() is the fake time under vi.useFakeTimers.
  monotonicNow: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function machine(overrides: Partial<BeaconMachineOptions> = {}) {
  const edges: Array<[number, boolean]> = [];
  const start = Date.now();
  const beacon = new BeaconMachine(
    { patterns, minOnMs: 5000, quiet: false, lampTest: false, ...overrides },
    (on) => edges.push([Date.now() - start, on]),
    fakeTimers,
  );
  return { beacon, edges };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('patternFor', () => {
  it.each<[BeaconState, boolean, unknown]>([
    ['ok', false, 'off'],
    ['alarm', false, 'steady'],
    ['stale', false, patterns.stale],
    ['degraded', false, patterns.degraded],
    ['unreachable', false, patterns.unreachable],
    ['ok', true, 'off'],
    ['alarm', true, patterns.quietAlarm],
    ['stale', true, patterns.stale],
  ])('%s (quiet %s) → %o', (state, quiet, expected) => {
    expect(patternFor(state, patterns, quiet)).toEqual(expected);
  });

  it('maps a configured steady pattern to the fast blink in quiet mode, and honours off', () => {
    const custom = { ...patterns, degraded: 'steady' as const, stale: 'off' as const };
    expect(patternFor('degraded', custom, false)).toBe('steady');
    expect(patternFor('degraded', custom, true)).toEqual(patterns.quietAlarm);
    expect(patternFor('stale', custom, false)).toBe('off');
  });
});

describe('BeaconMachine', () => {
  it('alarm lights steadily and ok turns it off after the minimum on-time', () => {
    const { beacon, edges } = machine();
    beacon.start();
    beacon.update('alarm');
    vi.advanceTimersByTime(1000);
    beacon.update('ok');
    expect(beacon.lit).toBe(true);
    vi.advanceTimersByTime(3999);
    expect(beacon.lit).toBe(true);
    vi.advanceTimersByTime(1);
    expect(edges).toEqual([
      [0, true],
      [5000, false],
    ]);
  });

  it('ok after the minimum on-time turns off at once', () => {
    const { beacon, edges } = machine();
    beacon.start();
    beacon.update('alarm');
    vi.advanceTimersByTime(7000);
    beacon.update('ok');
    expect(edges).toEqual([
      [0, true],
      [7000, false],
    ]);
  });

  it('a flapping alarm does not flicker', () => {
    const { beacon, edges } = machine();
    beacon.start();
    for (let second = 0; second < 4; second++) {
      beacon.update(second % 2 === 0 ? 'alarm' : 'ok');
      vi.advanceTimersByTime(1000);
    }
    expect(edges).toEqual([[0, true]]);
    vi.advanceTimersByTime(1000);
    expect(edges).toEqual([
      [0, true],
      [5000, false],
    ]);
  });

  it('a state reported again does not restart the blink cycle', () => {
    const { beacon, edges } = machine();
    beacon.start();
    beacon.update('stale');
    vi.advanceTimersByTime(500);
    beacon.update('stale');
    vi.advanceTimersByTime(2600);
    expect(edges).toEqual([
      [0, true],
      [1000, false],
      [2000, true],
      [3000, false],
    ]);
  });

  it.each<[BeaconState, Array<[number, boolean]>]>([
    [
      'stale',
      [
        [0, true],
        [1000, false],
        [2000, true],
        [3000, false],
      ],
    ],
    [
      'degraded',
      [
        [0, true],
        [300, false],
        [3000, true],
        [3300, false],
      ],
    ],
    [
      'unreachable',
      [
        [0, true],
        [150, false],
        [1000, true],
        [1150, false],
        [2000, true],
        [2150, false],
        [3000, true],
        [3150, false],
      ],
    ],
  ])('%s blinks its pattern', (state, expected) => {
    const { beacon, edges } = machine();
    beacon.start();
    beacon.update(state);
    vi.advanceTimersByTime(3400);
    expect(edges).toEqual(expected);
  });

  it('an alarm ending in an uncertain state keeps the light on for minOnMs, then blinks', () => {
    const { beacon, edges } = machine({ minOnMs: 2000 });
    beacon.start();
    beacon.update('alarm');
    beacon.update('unreachable');
    vi.advanceTimersByTime(2200);
    expect(edges).toEqual([
      [0, true],
      [2150, false],
    ]);
  });

  it('lamp test: on for one second, then the real state', () => {
    const { beacon, edges } = machine({ lampTest: true });
    beacon.start();
    beacon.update('ok');
    vi.advanceTimersByTime(LAMP_TEST_MS - 1);
    expect(beacon.lit).toBe(true);
    vi.advanceTimersByTime(1);
    expect(edges).toEqual([
      [0, true],
      [1000, false],
    ]);
  });

  it('lamp test into an alarm keeps the light on without an extra edge', () => {
    const { beacon, edges } = machine({ lampTest: true });
    beacon.start();
    beacon.update('alarm');
    vi.advanceTimersByTime(10_000);
    expect(edges).toEqual([[0, true]]);
  });

  it('quiet mode blinks fast for an alarm and never lights steadily', () => {
    const { beacon, edges } = machine({ quiet: true });
    beacon.start();
    beacon.update('alarm');
    vi.advanceTimersByTime(1000);
    expect(edges).toEqual([
      [0, true],
      [250, false],
      [500, true],
      [750, false],
      [1000, true],
    ]);
  });

  it('stop turns the light off, cancels timers and ignores later updates', () => {
    const { beacon, edges } = machine();
    beacon.start();
    beacon.update('alarm');
    beacon.stop();
    beacon.update('alarm');
    vi.advanceTimersByTime(10_000);
    expect(edges).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without any state the light stays off (the poll loop reports unreachable instead of guessing)', () => {
    const { beacon, edges } = machine();
    beacon.start();
    vi.advanceTimersByTime(5000);
    expect(edges).toEqual([]);
  });
});
