/**
 * POPs under anycast (issue 15), over HTTP: a POP is the instance a probe reports (its NSID mapped), so three
 * probes in three catchments of ns1 are three POPs; an unreachable anycast target (named after the target) is
 * no POP — not refused by expectedPops, not listed — and reasons say through which address and from where.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import { type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.cleanup();
});

function start(overrides: Record<string, unknown> = {}) {
  const t = buildTestApp(overrides);
  apps.push(t);
  return t;
}

const NS1 = '198.51.100.1:53';
const NS2 = '198.51.100.2:53';
const instance = (name: string, via: string, fields: Partial<PopResult> = {}): PopResult =>
  pop(name, {
    target: via === 'ns1' ? NS1 : NS2,
    via,
    targetKind: 'anycast',
    nsid: `${name.toLowerCase()}1.ns`,
    ...fields,
  });
const unreachable = (via: string): PopResult => ({
  pop: via,
  target: via === 'ns1' ? NS1 : NS2,
  via,
  targetKind: 'anycast',
  state: 'unreachable',
  lowerMs: 2_000,
  queries: 6,
  failures: 6,
  lastError: 'timeout',
});

describe('POPs keyed by instance', () => {
  test('three probes in three catchments of ns1 are three POPs; an unreachable ns2 is none', async () => {
    const t = start();
    const catchment = { p1: 'LHR', p2: 'FRA', p3: 'AMS' };
    for (const [probe, name] of Object.entries(catchment)) {
      const response = await ingest(t.app, report(probe, { pops: [instance(name, 'ns1'), unreachable('ns2')] }), probe);
      expect(response.statusCode).toBe(200);
    }
    const pops = (await t.app.inject('/api/v1/pops')).json();
    expect(pops.pops.map((p: { pop: string }) => p.pop)).toEqual(['AMS', 'FRA', 'LHR']);
    expect(pops.pops[0]).toMatchObject({ pop: 'AMS', targets: [NS1], current: { probe: 'p3', via: 'ns1' } });
    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics).not.toMatch(/pop="ns2"/);
  });

  test('with expectedPops, an unreachable anycast target is a loss of observation, not an unexpected POP', async () => {
    const t = start({ expectedPops: ['LHR', 'FRA', 'AMS'] });
    const accepted = await ingest(t.app, report('p1', { pops: [instance('LHR', 'ns1'), unreachable('ns2')] }));
    expect(accepted.statusCode).toBe(200);
    // A unicast target is its POP: unreachable or not, its name must be expected; the index names the entry.
    const unicast = { ...unreachable('ns2'), pop: 'SIN', via: 'SIN', targetKind: 'unicast' as const };
    const refused = await ingest(t.app, report('p1', { id: 'p1-r2', pops: [instance('LHR', 'ns1'), unicast] }));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/^body\.round\.pops\[1\]\.pop: "SIN" is not in expectedPops/);
  });

  test('the alarm names the instance, the address it answered on and the probe', async () => {
    const t = start();
    const stuck = instance('LHR', 'ns1', {
      state: 'timeout',
      lowerMs: 90_000,
      upperMs: undefined,
      estimateMs: undefined,
    });
    const body = report('p2', { elapsedMs: 90_000, maxWaitMs: 90_000, pops: [stuck, instance('FRA', 'ns2')] });
    expect((await ingest(t.app, body, 'p2')).statusCode).toBe(200);
    const status = (await t.app.inject('/api/v1/status')).json();
    expect(status.state).toBe('alarm');
    expect(status.reason).toBe(
      'LHR (via ns1 from p2) not serving serial 1735689600000 after ≥ 90.0 s (timeout; probe p2)',
    );
  });
});
