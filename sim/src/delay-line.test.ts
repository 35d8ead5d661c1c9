import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DelayLine } from './delay-line.js';

beforeEach(() => vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => vi.useRealTimers());

const now = () => Date.now();

describe('DelayLine', () => {
  it('runs each item at its due instant, in order, on one timer', () => {
    const line = new DelayLine(now);
    const ran: Array<[string, number]> = [];
    line.push(10, () => ran.push(['a', now()]));
    line.push(25, () => ran.push(['b', now()]));
    line.push(25, () => ran.push(['c', now()]));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(9);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([['a', 10]]);
    vi.advanceTimersByTime(20);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 25],
      ['c', 25],
    ]);
    expect([line.length, vi.getTimerCount()]).toEqual([0, 0]);
  });

  it('is first in, first out: an item due before its predecessor waits for it (jitter never reorders a path)', () => {
    const line = new DelayLine(now);
    const ran: Array<[string, number]> = [];
    expect(line.push(50, () => ran.push(['slow', now()]))).toBe(50);
    expect(line.push(20, () => ran.push(['fast', now()]))).toBe(50);
    vi.advanceTimersByTime(49);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([
      ['slow', 50],
      ['fast', 50],
    ]);
  });

  it('never runs an item before its due instant on its own clock, even when timers fire early against it', () => {
    // A clock at half the timers' speed: every timer fires "early" by this clock.
    const slowClock = () => Date.now() / 2;
    const line = new DelayLine(slowClock);
    const ranAt: number[] = [];
    line.push(10, () => ranAt.push(slowClock()));
    vi.advanceTimersByTime(19);
    expect(ranAt).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ranAt).toEqual([10]);
  });

  it('reports an item that throws and goes on with the next', () => {
    const errors: Error[] = [];
    const line = new DelayLine(now, (error) => errors.push(error));
    const ran: string[] = [];
    line.push(1, () => {
      throw new Error('bug in an item');
    });
    line.push(2, () => ran.push('next'));
    vi.advanceTimersByTime(5);
    expect(errors.map((e) => e.message)).toEqual(['bug in an item']);
    expect(ran).toEqual(['next']);
  });

  it('close drops what waits, clears its timer and ignores later pushes', () => {
    const line = new DelayLine(now);
    const ran: string[] = [];
    line.push(10, () => ran.push('a'));
    line.close();
    line.push(5, () => ran.push('b'));
    expect([line.length, vi.getTimerCount()]).toEqual([0, 0]);
    vi.advanceTimersByTime(100);
    expect(ran).toEqual([]);
  });

  it('keeps running through many busy rounds (the consumed prefix is compacted along the way)', () => {
    const line = new DelayLine(now);
    let ran = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) line.push(now() + 1 + (i % 7), () => ran++);
      vi.advanceTimersByTime(10);
      expect(line.length).toBe(0);
    }
    expect(ran).toBe(15_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
