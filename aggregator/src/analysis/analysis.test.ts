import { describe, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { observeProbe, observeRound } from './observations.js';
import { computePercentiles, percentileOf } from './percentiles.js';
import { summarizePropagation } from './propagation-summary.js';
import { alarmFigure, findWorst } from './worst-case.js';

const NOW = 1_000_000;

function round(probe: string, fields: Partial<StoredRound> = {}, pops: Partial<PopResult>[] = []): StoredRound {
  return {
    probe: { id: probe, region: 'r', version: '1' },
    id: `${probe}-1`,
    zone: 'z',
    record: 'x',
    serial: '42',
    startedAt: new Date(NOW - 10_000).toISOString(),
    state: 'complete',
    elapsedMs: 5000,
    write: { submitToAckMs: 10 },
    pops: pops.map((p, i) => ({
      pop: `P${i}`,
      target: `t${i}`,
      state: 'propagated',
      lowerMs: 100,
      upperMs: 300,
      estimateMs: 200,
      queries: 1,
      failures: 0,
      ...p,
    })),
    firstReceivedAt: NOW - 5000,
    receivedAt: NOW - 5000,
    ...fields,
  };
}

describe('percentiles (nearest rank)', () => {
  test.each([
    [[], 50, null],
    [[7], 99, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
  ])('%j p%d = %s', (values, p, expected) => {
    expect(percentileOf(values, p)).toBe(expected);
  });

  test('computes count, p50, p90, p99 and max of unsorted input', () => {
    expect(computePercentiles([300, 100, 200])).toEqual({ count: 3, p50: 200, p90: 300, p99: 300, max: 300 });
  });
});

describe('observations', () => {
  test('propagated uses the estimate and keeps the error bar', () => {
    const [o] = observeRound(round('a', {}, [{}]), NOW, 60_000);
    expect(o).toMatchObject({ kind: 'measured', ms: 200, lowerMs: 100, upperMs: 300 });
  });

  test('timeout is censored at lowerMs', () => {
    const [o] = observeRound(
      round('a', {}, [{ state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined }]),
      NOW,
      60_000,
    );
    expect(o).toMatchObject({ kind: 'censored', ms: 60_000 });
  });

  test('pending in a running round grows with the time since the report, up to the cap', () => {
    const r = round('a', { state: 'running', receivedAt: NOW - 4_000 }, [
      { state: 'pending', lowerMs: 30_000, upperMs: undefined, estimateMs: undefined },
    ]);
    expect(observeRound(r, NOW, 60_000)[0]).toMatchObject({ kind: 'lower-bound', ms: 34_000 });
    expect(observeRound(r, NOW + 100_000, 60_000)[0]!.ms).toBe(90_000);
    // a clock that went backwards never shrinks the bound below what the probe said
    expect(observeRound(r, NOW - 10_000, 60_000)[0]!.ms).toBe(30_000);
  });

  test('pending in a finished round is not extrapolated; write_failed rounds observe nothing', () => {
    const done = round('a', {}, [{ state: 'failing', lowerMs: 5_000 }]);
    expect(observeRound(done, NOW + 50_000, 60_000)[0]!.ms).toBe(5_000);
    expect(observeRound(round('a', { state: 'write_failed' }, [{}]), NOW, 60_000)).toEqual([]);
  });

  test('extrapolation stops maxExtrapolationMs after the last report: a silent probe is not evidence', () => {
    const r = round('a', { state: 'running', receivedAt: NOW - 90_000 }, [
      { state: 'pending', lowerMs: 10_000, upperMs: undefined, estimateMs: undefined },
    ]);
    expect(observeRound(r, NOW, 5_000)[0]!.ms).toBe(15_000);
  });

  test('a running round carries over a larger figure from the previous complete round for POPs it has not resolved', () => {
    const previous = round('a', { id: 'a-0' }, [
      { state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined },
      { estimateMs: 800 },
    ]);
    const running = round('a', { id: 'a-1', state: 'running', receivedAt: NOW }, [
      { state: 'pending', lowerMs: 1_000, upperMs: undefined, estimateMs: undefined },
      { estimateMs: 500 },
    ]);
    expect(observeProbe(running, previous, NOW, 5_000).map((o) => [o.roundId, o.ms])).toEqual([
      ['a-0', 60_000],
      ['a-1', 500],
    ]);
  });
});

describe('worst case and summary', () => {
  test('a timeout is worse than any measurement; between timeouts the longer wait', () => {
    const observations = observeRound(
      round('a', {}, [
        { estimateMs: 90_000, lowerMs: 89_000, upperMs: 91_000 },
        { state: 'timeout', lowerMs: 20_000 },
        { state: 'timeout', lowerMs: 30_000 },
      ]),
      NOW,
      0,
    );
    expect(findWorst(observations)).toMatchObject({ pop: 'P2', kind: 'censored', ms: 30_000 });
    expect(observations.map(alarmFigure)).toEqual([90_000, Infinity, Infinity]);
  });

  test('worst prefers the larger figure, and on a tie the uncertain one', () => {
    const observations = observeRound(
      round('a', {}, [{ estimateMs: 500 }, { state: 'timeout', lowerMs: 500 }, { estimateMs: 100 }]),
      NOW,
      0,
    );
    expect(findWorst(observations)).toMatchObject({ pop: 'P1', kind: 'censored' });
    expect(findWorst([])).toBeNull();
  });

  test('summary: percentiles overall, per POP and per probe; slowest pair over the window; worst case of the current (status) observations', () => {
    const oldSlow = round('a', { id: 'a-old', startedAt: new Date(NOW - 60_000).toISOString() }, [
      { estimateMs: 9_000 },
    ]);
    const a = round('a', {}, [{ estimateMs: 1_000 }, { estimateMs: 3_000 }]);
    const b = round('b', {}, [{ estimateMs: 2_000 }, { state: 'timeout', lowerMs: 4_000 }]);
    const outside = round('c', { receivedAt: NOW - 700_000 }, [{ estimateMs: 50_000 }]);
    const current = [...observeRound(a, NOW, 5_000), ...observeRound(b, NOW, 5_000)];
    const s = summarizePropagation([oldSlow, a, b, outside], {
      now: NOW,
      windowMs: 600_000,
      maxExtrapolationMs: 5_000,
      current,
    });
    expect(s.rounds).toBe(3);
    expect(s.overall).toMatchObject({ count: 5, max: 9_000, timeouts: 1 });
    expect(s.perPop.map((g) => [g.key, g.count, g.max])).toEqual([
      ['P0', 3, 9_000],
      ['P1', 2, 4_000],
    ]);
    expect(s.perProbe.map((g) => [g.key, g.p50])).toEqual([
      ['a', 3_000],
      ['b', 2_000],
    ]);
    // A timeout is the slowest: never seen serving, it is worse than any measurement (alarmFigure +Infinity).
    expect(s.slowest).toMatchObject({ probe: 'b', pop: 'P1', ms: 4_000, kind: 'censored' });
    expect(s.worstCase).toMatchObject({ probe: 'b', pop: 'P1', ms: 4_000, kind: 'censored' });
    // Among measurements, the slowest pair of the window, also from a round that is no longer current.
    const measured = summarizePropagation([oldSlow, a], {
      now: NOW,
      windowMs: 600_000,
      maxExtrapolationMs: 5_000,
      current,
    });
    expect(measured.slowest).toMatchObject({ probe: 'a', pop: 'P0', roundId: 'a-old', ms: 9_000 });
  });
});
