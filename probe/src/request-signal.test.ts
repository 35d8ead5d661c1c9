import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRequestSignal } from './request-signal.js';

describe('createRequestSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts on timeout with a TimeoutError, and says so', () => {
    const request = createRequestSignal(100);
    vi.advanceTimersByTime(99);
    expect(request.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(request.signal.aborted).toBe(true);
    expect(request.timedOut).toBe(true);
    expect((request.signal.reason as DOMException).name).toBe('TimeoutError');
    request.dispose();
  });

  it('follows its parent, and once disposed leaves no listener or timer behind', () => {
    const parent = new AbortController();
    const first = createRequestSignal(100, parent.signal);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    first.dispose();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    const second = createRequestSignal(100, parent.signal);
    parent.abort(new Error('shutdown'));
    expect(second.signal.aborted).toBe(true);
    expect(second.timedOut).toBe(false);
    second.dispose();
    const late = createRequestSignal(100, parent.signal);
    expect(late.signal.aborted).toBe(true);
    late.dispose();
  });
});
