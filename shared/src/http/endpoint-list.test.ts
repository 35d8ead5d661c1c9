import { describe, expect, it } from 'vitest';
import { EndpointList } from './endpoint-list.js';

const urls = ['http://a.test/', 'http://b.test/', 'http://c.test/'];

function clock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('EndpointList', () => {
  it('starts on the first URL and stays there while it succeeds', () => {
    const list = new EndpointList(urls);
    expect(list.pick()).toEqual({ index: 0, url: 'http://a.test/' });
    list.succeeded();
    list.succeeded();
    expect(list.currentIndex).toBe(0);
    expect(list.consecutiveFailures).toBe(0);
  });

  it('moves to the next URL on failure, wrapping after the last, and says from where to where', () => {
    const list = new EndpointList(urls);
    expect(list.failed('refused')).toEqual({
      from: 0,
      to: 1,
      fromUrl: 'http://a.test/',
      toUrl: 'http://b.test/',
      reason: 'refused',
    });
    expect(list.failed('HTTP 503')).toMatchObject({ from: 1, to: 2 });
    expect(list.failed('timeout')).toMatchObject({ from: 2, to: 0 });
    expect(list.consecutiveFailures).toBe(3);
    list.succeeded();
    expect(list.consecutiveFailures).toBe(0);
    expect(list.pick().index).toBe(0);
  });

  it('with one URL a failure switches nowhere but still counts', () => {
    const list = new EndpointList(['http://only.test/']);
    expect(list.failed('refused')).toBeUndefined();
    expect(list.consecutiveFailures).toBe(1);
    expect(list.pick().url).toBe('http://only.test/');
  });

  it('stays on a fallback when no return is configured', () => {
    const time = clock();
    const list = new EndpointList(urls, { monotonicNow: time.now });
    list.failed('refused');
    time.advance(10 * 86_400_000);
    expect(list.pick()).toEqual({ index: 1, url: 'http://b.test/' });
  });

  it('returns to the first URL after preferFirstAfterMs on a fallback, successes or not', () => {
    const time = clock();
    const list = new EndpointList(urls, { preferFirstAfterMs: 60_000, monotonicNow: time.now });
    list.failed('refused');
    time.advance(59_999);
    list.succeeded();
    expect(list.pick().index).toBe(1);
    time.advance(1);
    expect(list.pick()).toEqual({
      index: 0,
      url: 'http://a.test/',
      switched: { from: 1, to: 0, fromUrl: 'http://b.test/', toUrl: 'http://a.test/', reason: 'preferred' },
    });
    // The first still down: it fails again, the fallback takes over and the wait starts over.
    list.failed('refused');
    time.advance(30_000);
    expect(list.pick().index).toBe(1);
    time.advance(30_000);
    expect(list.pick().index).toBe(0);
    expect(list.pick().switched).toBeUndefined();
  });

  it('rejects an empty list and a negative return delay', () => {
    expect(() => new EndpointList([])).toThrow(/at least one URL/);
    expect(() => new EndpointList(urls, { preferFirstAfterMs: -1 })).toThrow(/preferFirstAfterMs >= 0/);
    expect(() => new EndpointList(urls, { preferFirstAfterMs: Number.NaN })).toThrow(/preferFirstAfterMs/);
  });

  it('keeps its own copy of the URLs', () => {
    const given = [...urls];
    const list = new EndpointList(given);
    given[0] = 'http://changed.test/';
    expect(list.currentUrl).toBe('http://a.test/');
    expect(Object.isFrozen(list.urls)).toBe(true);
  });
});
