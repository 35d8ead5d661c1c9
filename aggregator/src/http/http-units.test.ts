import { describe, expect, test } from 'vitest';
import { parseDuration } from '../routes/parse-duration.js';
import { TokenBuckets } from './token-bucket.js';
import { TokenMatcher, bearerToken } from './token-matcher.js';

describe('token buckets', () => {
  test('allow a burst, then refill at the rate, with a retry-after for the next token', () => {
    const clock = {
      ms: 0,
      monotonicNow() {
        return this.ms;
      },
    };
    const buckets = new TokenBuckets(2, 3, clock);
    expect([1, 2, 3].map(() => buckets.take('p1').allowed)).toEqual([true, true, true]);
    expect(buckets.take('p1')).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(buckets.take('p2').allowed).toBe(true);
    clock.ms = 500;
    expect(buckets.take('p1').allowed).toBe(true);
    expect(buckets.take('p1').allowed).toBe(false);
  });

  test('a wall clock stepping forwards refills nothing: the buckets run on monotonic time', () => {
    const clock = { wallMs: 0, monotonicMs: 0, now: () => clock.wallMs, monotonicNow: () => clock.monotonicMs };
    const buckets = new TokenBuckets(1, 2, clock);
    expect([1, 2, 3].map(() => buckets.take('p1').allowed)).toEqual([true, true, false]);
    clock.wallMs += 3_600_000; // NTP steps the wall clock an hour ahead; no time has passed
    expect(buckets.take('p1')).toEqual({ allowed: false, retryAfterMs: 1000 });
    clock.monotonicMs += 1000;
    expect(buckets.take('p1').allowed).toBe(true);
  });
});

describe('token matcher', () => {
  const matcher = new TokenMatcher([
    { id: 'p1', token: 'alpha-token-0001' },
    { id: 'p2', token: 'bravo-token-0002' },
  ]);
  test.each([
    ['alpha-token-0001', 'p1'],
    ['bravo-token-0002', 'p2'],
    ['alpha-token-000', null],
    ['', null],
    ['alpha-token-0001x', null],
  ])('%j → %s', (token, expected) => {
    expect(matcher.match(token)).toBe(expected);
  });

  test('1,000 probes: each token finds its own probe, and a token differing in one character finds none', () => {
    const probes = Array.from({ length: 1000 }, (_, i) => ({
      id: `probe-${i}`,
      token: `token-${String(i).padStart(4, '0')}-${'k'.repeat(24)}`,
    }));
    const many = new TokenMatcher(probes);
    expect(probes.every(({ id, token }) => many.match(token) === id)).toBe(true);
    expect(many.match(probes[7]!.token.replace(/k$/, 'j'))).toBeNull();
    expect(many.match(probes[7]!.token.toUpperCase())).toBeNull();
  });

  test.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc  ', 'abc'],
    ['Basic abc', null],
    ['Bearer', null],
    [undefined, null],
  ])('bearerToken(%j) = %s', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});

describe('parseDuration', () => {
  test.each([
    ['600000', 600_000],
    ['250ms', 250],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['10 m', null],
    ['-5m', null],
    ['abc', null],
    ['', null],
  ])('%j → %s', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});
