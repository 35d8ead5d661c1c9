/**
 * End to end: sim + real probes over real DNS + aggregator over HTTP. A stuck
 * POP must raise the alarm (status and metrics), keep it raised while it stays
 * stuck — also across the start of new rounds — and clear after it recovers.
 */
import type { Status } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startStack, type Stack } from './stack.js';

let stack: Stack;
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
});
afterAll(async () => stack?.close());

const status = async () => (await (await fetch(`${stack.url}/api/v1/status`)).json()) as Status;
const metric = async (line: RegExp) => {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  return text.split('\n').find((l) => line.test(l));
};

describe('stuck POP end to end', () => {
  it('is ok while the network is healthy', async () => {
    const ok = await eventually(status, (s) => s.state === 'ok');
    expect(ok.probes).toEqual({ fresh: 2, expected: 2 });
    expect(ok.worstMs).toBeLessThan(1000);
  });

  it('raises the alarm for a stuck POP, naming it, and keeps it on while it stays stuck', async () => {
    stack.sim.setFault('LHR', { kind: 'stuck' });
    const alarm = await eventually(status, (s) => s.state === 'alarm');
    expect(alarm.worst?.pop).toBe('LHR');
    expect(alarm.reason).toContain('LHR');
    expect(await metric(/^propwatch_alarm_state\{state="alarm"\}/)).toMatch(/ 1$/);
    // Several new rounds start in the next 4 s; the alarm must not flap off at any of them.
    const states = new Set<string>();
    const until = performance.now() + 4000;
    while (performance.now() < until) {
      states.add((await status()).state);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...states]).toEqual(['alarm']);
    expect(await metric(/^propwatch_pop_timeouts_total\{.*pop="LHR".*\}/)).toMatch(/ [1-9][0-9]*$/);
  });

  it('clears after the POP recovers', async () => {
    stack.sim.setFault('LHR', null);
    // With quorum 2 the alarm clears as soon as one probe sees LHR serving again;
    // the other probe's last round still has the timeout until its next round.
    await eventually(status, (s) => s.state === 'ok');
    const settled = await eventually(status, (s) => s.state === 'ok' && s.worstMs !== null && s.worstMs < 1000);
    expect(settled.worst?.pop).toBeDefined();
    expect(await metric(/^propwatch_alarm_state\{state="ok"\}/)).toMatch(/ 1$/);
  });
});
