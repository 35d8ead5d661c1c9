/**
 * End to end: sim + real probes + aggregator + the beacon client with a
 * recording driver. A stuck POP lights the beacon; clearing it turns the light
 * off after the hysteresis; a dead aggregator makes it blink, never go dark.
 */
import { createLogger } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from '../../aggregator/test/stack.js';
import { startAlarmClient, type AlarmClient } from '../src/alarm-client.js';
import { loadAlarmConfig } from '../src/config.js';
import type { BeaconDriver } from '../src/drivers/driver.js';

class RecordingDriver implements BeaconDriver {
  readonly name = 'recording';
  readonly switches: Array<{ at: number; on: boolean }> = [];
  on = false;
  set(on: boolean): void {
    this.on = on;
    this.switches.push({ at: performance.now(), on });
  }
  async close(): Promise<void> {
    this.set(false);
  }
  switchesSince(at: number) {
    return this.switches.filter((s) => s.at >= at);
  }
}

let stack: Stack;
let client: AlarmClient;
const driver = new RecordingDriver();

beforeAll(async () => {
  stack = await startStack({
    probes: 2,
    aggregator: {
      status: {
        alarmAboveMs: 1000,
        clearBelowMs: 700,
        quorum: 2,
        minFreshProbes: 2,
        staleAfterMs: 10_000,
        reevaluateMs: 100,
      },
    },
  });
  const { config } = loadAlarmConfig({
    env: {
      PROPWATCH_AGGREGATOR__URL: stack.url,
      PROPWATCH_DRIVER: 'console',
      PROPWATCH_POLL__INTERVAL_MS: '100',
      PROPWATCH_POLL__UNREACHABLE_AFTER: '3',
      PROPWATCH_BEACON__LAMP_TEST: 'false',
      PROPWATCH_BEACON__MIN_ON_MS: '500',
    },
  });
  client = await startAlarmClient({ config, logger: createLogger({ name: 'alarm-e2e', level: 'silent' }), driver });
});
afterAll(async () => {
  await client?.stop();
  await stack?.close();
});

describe('beacon end to end', () => {
  it('stays dark while everything is fine', async () => {
    await eventually(
      () => client.state,
      (state) => state === 'ok',
    );
    expect(driver.on).toBe(false);
  });

  it('lights up for a stuck POP and goes dark after it recovers', async () => {
    stack.sim.setFault('LHR', { kind: 'stuck' });
    await eventually(
      () => client.state,
      (state) => state === 'alarm',
    );
    await eventually(
      () => driver.on,
      (on) => on,
    );
    const litAt = driver.switches.at(-1)!.at;
    stack.sim.setFault('LHR', null);
    await eventually(
      () => client.state,
      (state) => state === 'ok',
    );
    await eventually(
      () => driver.on,
      (on) => !on,
    );
    // Steady while in alarm: exactly one switch on and one off since it lit.
    expect(driver.switchesSince(litAt).map((s) => s.on)).toEqual([true, false]);
  });

  it('blinks, not dark, when the aggregator dies', async () => {
    await stack.closeAggregator();
    await eventually(
      () => client.state,
      (state) => state === 'unreachable',
    );
    const since = performance.now();
    await eventually(
      () => driver.switchesSince(since).length,
      (n) => n >= 4,
      10_000,
    );
    const pattern = driver.switchesSince(since).map((s) => s.on);
    expect(pattern).toContain(true);
    expect(pattern).toContain(false);
  });
});
