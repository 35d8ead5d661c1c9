import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Status } from '@propwatch/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startAlarmClient } from './alarm-client.js';
import { loadAlarmConfig } from './config.js';
import type { BeaconDriver } from './drivers/driver.js';
import type { Clock } from '@propwatch/shared';

const timers: Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'> = {
  // Date.now() is the fake time under vi.useFakeTimers.
  monotonicNow: () => Date.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function statusBody(state: Status['state']): Status {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    state,
    since: at,
    worstMs: null,
    thresholdMs: 30000,
    worst: null,
    probes: { fresh: 1, expected: 1 },
    reason: `it is ${state}`,
    updatedAt: at,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('startAlarmClient with a recording driver', () => {
  it('forces off first, lights on alarm, blinks when the aggregator dies, and turns off on stop', async () => {
    vi.useFakeTimers({ now: 0 });
    const { config } = loadAlarmConfig({
      env: {
        PROPWATCH_AGGREGATOR__URL: 'http://agg.test',
        PROPWATCH_BEACON__LAMP_TEST: 'false',
        PROPWATCH_BEACON__MIN_ON_MS: '0',
      },
    });
    const edges: boolean[] = [];
    const driver: BeaconDriver = {
      name: 'recording',
      set: (on) => void edges.push(on),
      close: async () => void edges.push(false),
    };
    let answer: 'alarm' | 'dead' = 'alarm';
    const fakeFetch = (async () => {
      if (answer === 'dead')
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } });
      return new Response(JSON.stringify(statusBody('alarm')), { status: 200 });
    }) as typeof fetch;
    const lines: string[] = [];
    const logger = createLogger({
      name: 't',
      level: 'info',
      destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    });
    const client = await startAlarmClient({
      config,
      logger,
      driver,
      fetch: fakeFetch,
      clock: timers,
      random: () => 0.5,
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(edges).toEqual([false, true]);
    expect(client.state).toBe('alarm');
    answer = 'dead';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.state).toBe('unreachable');
    // steady on, then the unreachable blink (150 on / 850 off) switches it on and off repeatedly
    expect(edges.filter((on) => !on).length).toBeGreaterThan(3);
    await client.stop();
    expect(edges.at(-1)).toBe(false);
    expect(lines.join('')).toMatch(/"to":"unreachable"/);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('startAlarmClient health file', () => {
  it('is rewritten after every poll that got a status, and left alone while polls fail', async () => {
    vi.useFakeTimers({ now: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'alarm-health-'));
    const file = join(dir, 'health');
    try {
      const { config } = loadAlarmConfig({
        env: {
          PROPWATCH_AGGREGATOR__URL: 'http://agg.test',
          PROPWATCH_BEACON__LAMP_TEST: 'false',
          PROPWATCH_HEALTH_FILE: file,
        },
      });
      const driver: BeaconDriver = { name: 'quiet', set: () => undefined, close: async () => undefined };
      let answer: Status['state'] | 'dead' = 'ok';
      const fakeFetch = (async () => {
        if (answer === 'dead') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
        return new Response(JSON.stringify(statusBody(answer)), { status: 200 });
      }) as typeof fetch;
      const logger = createLogger({ name: 't', level: 'silent' });
      const client = await startAlarmClient({
        config,
        logger,
        driver,
        fetch: fakeFetch,
        clock: timers,
        random: () => 0.5,
      });
      await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toMatch(/^ok 1970-01-01T00:00:\d\d\.\d{3}Z\n$/));

      answer = 'dead';
      rmSync(file);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(client.state).toBe('unreachable');
      expect(existsSync(file)).toBe(false);

      answer = 'alarm';
      await vi.advanceTimersByTimeAsync(config.poll.backoffMaxMs); // the next poll, after the longest backoff
      await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toMatch(/^alarm 1970-01-01T00:00:\d\d\.\d{3}Z\n$/));
      await client.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
