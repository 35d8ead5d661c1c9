/** The status stream's pure parts and its two small state machines, with fake timers and fake sinks. */
import type { Status } from '@propwatch/shared';
import { describe, expect, test } from 'vitest';
import { sameBody } from './same-body.js';
import { type IntervalTimers, SseBroadcaster, type SseSink } from './sse-broadcaster.js';
import { eventFrame, heartbeatFrame, retryFrame } from './sse-frames.js';
import { StatusEvents, type Timers, newBootId } from './status-events.js';

const STATUS: Status = {
  state: 'ok',
  since: '2025-01-01T00:00:00.000Z',
  worstMs: 900,
  thresholdMs: 60_000,
  worst: { probe: 'p1', pop: 'LHR' },
  probes: { fresh: 3, expected: 3 },
  reason: 'all POPs within the threshold',
  coverage: { basis: 'configured', observed: 2, expected: 2, missing: [] },
  updatedAt: '2025-01-01T00:00:01.000Z',
};

/** Timers that fire only when the test says so. */
class ManualTimers implements Timers, IntervalTimers {
  #next = 0;
  readonly pending = new Map<number, { callback: () => void; ms: number; repeat: boolean }>();
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending.set(++this.#next, { callback, ms, repeat: false });
    return this.#next;
  }
  setInterval(callback: () => void, ms: number): unknown {
    this.pending.set(++this.#next, { callback, ms, repeat: true });
    return this.#next;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  clearInterval(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires every pending timer once (a window ending, a heartbeat tick). */
  fire(): void {
    for (const [id, timer] of [...this.pending]) {
      if (!timer.repeat) this.pending.delete(id);
      timer.callback();
    }
  }
}

describe('sse frames', () => {
  test('retry, event and heartbeat frames as the wire contract says', () => {
    expect(retryFrame(1000)).toBe('retry: 1000\n\n');
    expect(eventFrame('abc-7', 'status', '{"a":1}')).toBe('id: abc-7\nevent: status\ndata: {"a":1}\n\n');
    expect(heartbeatFrame(1735689600000)).toBe(': hb 1735689600000\n\n');
  });

  test('data with a line break is refused rather than split into a broken event', () => {
    expect(() => eventFrame('a-1', 'status', '{"a":\n1}')).toThrow(/line break/);
    expect(() => eventFrame('a-1\r', 'status', '{}')).toThrow(/line break/);
  });
});

describe('sameBody', () => {
  test('updatedAt alone is no change; any other field is', () => {
    expect(sameBody(STATUS, { ...STATUS, updatedAt: '2025-01-01T00:00:09.000Z' }, ['updatedAt'])).toBe(true);
    expect(sameBody(STATUS, { ...STATUS, reason: 'other' }, ['updatedAt'])).toBe(false);
    expect(sameBody(STATUS, { ...STATUS, worst: { probe: 'p1', pop: 'SIN' } }, ['updatedAt'])).toBe(false);
    expect(sameBody(STATUS, { ...STATUS, probes: { fresh: 2, expected: 3 } }, ['updatedAt'])).toBe(false);
    expect(sameBody(STATUS, { ...STATUS, worst: null }, ['updatedAt'])).toBe(false);
    const missing = { ...STATUS, coverage: { ...STATUS.coverage!, missing: ['FRA'] } };
    expect(sameBody(STATUS, missing, ['updatedAt'])).toBe(false);
    expect(sameBody(missing, structuredClone(missing), ['updatedAt'])).toBe(true);
  });

  test('an optional field left undefined equals an absent one (both serialize the same)', () => {
    const { coverage: _omitted, ...without } = STATUS;
    expect(sameBody(without, { ...without, coverage: undefined }, [])).toBe(true);
    expect(sameBody(without, STATUS, [])).toBe(false);
  });
});

describe('StatusEvents', () => {
  function events() {
    const timers = new ManualTimers();
    const serialized: Status[] = [];
    const stream = new StatusEvents({
      initial: STATUS,
      serialize: (status) => {
        serialized.push(status);
        return JSON.stringify(status);
      },
      coalesceMs: 50,
      bootId: 'boot',
      timers,
    });
    const seen: { id: string; data: string }[] = [];
    stream.onEvent((event) => seen.push({ id: event.id, data: event.data }));
    return { stream, timers, seen, serialized };
  }

  test('the first change leaves at once; changes within the window leave once, with the latest body', () => {
    const { stream, timers, seen } = events();
    expect(stream.current.id).toBe('boot-1');
    stream.observe({ ...STATUS, state: 'alarm', updatedAt: '2025-01-01T00:00:02.000Z' });
    expect(seen.map((e) => e.id)).toEqual(['boot-2']);
    expect(JSON.parse(seen[0]!.data)).toMatchObject({ state: 'alarm' });
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([50]);
    stream.observe({ ...STATUS, state: 'alarm', worstMs: 70_000 });
    stream.observe({ ...STATUS, state: 'alarm', worstMs: 80_000 });
    expect(seen).toHaveLength(1);
    timers.fire(); // the window ends: one event with the latest body, and a new window
    expect(seen.map((e) => e.id)).toEqual(['boot-2', 'boot-3']);
    expect(JSON.parse(seen[1]!.data)).toMatchObject({ state: 'alarm', worstMs: 80_000 });
    expect(stream.current.id).toBe('boot-3');
    timers.fire(); // nothing changed in that window: no event, and the window closes
    expect(seen).toHaveLength(2);
    expect(timers.pending.size).toBe(0);
    stream.observe({ ...STATUS, state: 'ok' });
    expect(seen.map((e) => e.id)).toEqual(['boot-2', 'boot-3', 'boot-4']);
  });

  test('a change undone within the window sends nothing more; updatedAt alone never makes an event', () => {
    const { stream, timers, seen, serialized } = events();
    stream.observe({ ...STATUS, updatedAt: '2025-01-01T00:00:05.000Z' });
    expect(seen).toHaveLength(0);
    expect(timers.pending.size).toBe(0);
    stream.observe({ ...STATUS, reason: 'x' });
    stream.observe({ ...STATUS, reason: 'y' });
    stream.observe({ ...STATUS, reason: 'x', updatedAt: '2025-01-01T00:00:06.000Z' });
    timers.fire();
    expect(seen.map((e) => e.id)).toEqual(['boot-2']);
    // Serialized only when an event is read, once per event.
    expect(serialized).toHaveLength(1);
  });

  test('close stops the window: nothing is emitted after', () => {
    const { stream, timers, seen } = events();
    stream.observe({ ...STATUS, reason: 'x' });
    stream.observe({ ...STATUS, reason: 'y' });
    stream.close();
    expect(timers.pending.size).toBe(0);
    stream.observe({ ...STATUS, reason: 'z' });
    expect(seen).toHaveLength(1);
  });

  test('each process has its own boot id, without "-" so <bootId>-<seq> splits at the last dash', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newBootId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_]{8}$/);
  });
});

/** A sink whose socket takes `drains` bytes per write and keeps the rest unsent. */
class FakeSink implements SseSink {
  written = '';
  writableLength = 0;
  ended = false;
  destroyed = false;
  constructor(private readonly drains = Number.POSITIVE_INFINITY) {}
  write(chunk: string): boolean {
    this.written += chunk;
    this.writableLength = Math.max(0, this.writableLength + chunk.length - this.drains);
    return this.writableLength === 0;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

describe('SseBroadcaster', () => {
  function broadcaster(overrides: { maxSubscribers?: number; maxBufferedBytes?: number } = {}) {
    const timers = new ManualTimers();
    const drops: string[] = [];
    const b = new SseBroadcaster({
      maxSubscribers: 2,
      maxBufferedBytes: 100,
      heartbeatMs: 15_000,
      now: () => 1234,
      onDrop: (reason) => drops.push(reason),
      timers,
      ...overrides,
    });
    return { b, timers, drops };
  }

  test('bounded: beyond maxSubscribers add refuses and writes nothing; a freed place is taken again', () => {
    const { b } = broadcaster();
    const [one, two, three] = [new FakeSink(), new FakeSink(), new FakeSink()];
    expect(b.add(one, 'first\n\n')).toBe(true);
    expect(b.add(two, 'first\n\n')).toBe(true);
    expect(b.full).toBe(true);
    expect(b.add(three, 'first\n\n')).toBe(false);
    expect(three.written).toBe('');
    b.remove(one);
    expect(b.add(three, 'first\n\n')).toBe(true);
    b.send('e\n\n');
    expect([one.written, two.written, three.written]).toEqual(['first\n\n', 'first\n\ne\n\n', 'first\n\ne\n\n']);
  });

  test('one heartbeat timer while anyone listens, none after the last leaves', () => {
    const { b, timers } = broadcaster();
    expect(timers.pending.size).toBe(0);
    const [one, two] = [new FakeSink(), new FakeSink()];
    b.add(one, '');
    b.add(two, '');
    expect([...timers.pending.values()]).toEqual([expect.objectContaining({ ms: 15_000, repeat: true })]);
    timers.fire();
    expect(one.written).toBe(': hb 1234\n\n');
    expect(two.written).toBe(': hb 1234\n\n');
    b.remove(one);
    expect(timers.pending.size).toBe(1);
    b.remove(two);
    b.remove(two); // twice: harmless
    expect(timers.pending.size).toBe(0);
  });

  test('a subscriber whose unsent bytes pass the bound is dropped; the others still get every frame', () => {
    const { b, drops } = broadcaster({ maxBufferedBytes: 100 });
    const slow = new FakeSink(10);
    const fast = new FakeSink();
    b.add(slow, '');
    b.add(fast, '');
    const frame = 'x'.repeat(40);
    let sends = 0;
    while (b.size === 2 && sends < 100) {
      b.send(frame);
      sends += 1;
      // Never more than the bound plus the one frame that crossed it.
      expect(slow.writableLength).toBeLessThanOrEqual(100 + frame.length);
    }
    expect(slow.destroyed).toBe(true);
    expect(drops).toEqual(['slow_reader']);
    expect(b.size).toBe(1);
    b.send('after');
    expect(fast.written).toBe(frame.repeat(sends) + 'after');
    expect(slow.written).toBe(frame.repeat(sends));
  });

  test('close ends every stream (cleanly, not destroyed), refuses newcomers and stops the heartbeat', () => {
    const { b, timers, drops } = broadcaster();
    const [one, two] = [new FakeSink(), new FakeSink()];
    b.add(one, '');
    b.add(two, '');
    b.close();
    expect([one.ended, two.ended, one.destroyed, two.destroyed]).toEqual([true, true, false, false]);
    expect(drops).toEqual(['shutdown', 'shutdown']);
    expect(b.size).toBe(0);
    expect(timers.pending.size).toBe(0);
    expect(b.add(new FakeSink(), '')).toBe(false);
  });
});
