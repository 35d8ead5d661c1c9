import { type PopResult, type RoundReport, WIRE_VERSION } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import type { TargetSummary } from '../round/round-engine.js';
import { MAX_POP_LABELS, ProbeMetrics } from './probe-metrics.js';

const report = (pops: PopResult[]): RoundReport => ({
  wireVersion: WIRE_VERSION,
  probe: { id: 'p1', region: 'test', version: '0.0.0' },
  round: {
    id: 'p1-1',
    zone: 'example.test',
    record: 'p1._propwatch.example.test',
    serial: '1',
    startedAt: '2026-01-01T00:00:00.000Z',
    state: 'complete',
    elapsedMs: 3000,
    write: { submitToAckMs: 3 },
    pops,
  },
});

const anycast = { target: '198.51.100.1:53', via: 'ns1', targetKind: 'anycast' as const, failures: 0 };
const summary = (catchment: string | undefined, extra: Partial<TargetSummary> = {}): TargetSummary => ({
  via: 'ns1',
  kind: 'anycast',
  catchment,
  catchmentChanges: 0,
  unidentified: 0,
  backwards: {},
  ...extra,
});

/** The text exposition's sample lines of one metric. */
async function samples(metrics: ProbeMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('ProbeMetrics, anycast', () => {
  it('counts results by via, POP and state, and keeps rerouted and unreachable out of timeouts and latency', async () => {
    const metrics = new ProbeMetrics(false);
    metrics.observeRound(
      report([
        { pop: 'LHR', ...anycast, state: 'rerouted', lowerMs: 900, queries: 40 },
        { pop: 'FRA', ...anycast, state: 'propagated', lowerMs: 1000, upperMs: 1040, estimateMs: 1020, queries: 9 },
        { pop: 'ns2', ...anycast, via: 'ns2', state: 'unreachable', lowerMs: 3000, queries: 50, failures: 50 },
      ]),
    );
    expect(await samples(metrics, 'propwatch_probe_pop_results_total')).toEqual([
      'propwatch_probe_pop_results_total{via="ns1",pop="LHR",state="rerouted"} 1',
      'propwatch_probe_pop_results_total{via="ns1",pop="FRA",state="propagated"} 1',
      'propwatch_probe_pop_results_total{via="ns2",pop="ns2",state="unreachable"} 1',
    ]);
    expect(await samples(metrics, 'propwatch_probe_pop_timeouts_total')).toEqual([]);
    expect(await samples(metrics, 'propwatch_probe_propagation_seconds_count')).toEqual([
      'propwatch_probe_propagation_seconds_count{pop="FRA"} 1',
    ]);
  });

  it('shows the catchment each anycast target ended on, moving the gauge when it changes', async () => {
    const metrics = new ProbeMetrics(false);
    metrics.observeTargets([summary('LHR'), { ...summary('X'), via: 'FRA-mgmt', kind: 'unicast' }]);
    expect(await samples(metrics, 'propwatch_probe_catchment')).toEqual([
      'propwatch_probe_catchment{via="ns1",pop="LHR"} 1',
    ]);
    metrics.observeTargets([summary('FRA', { catchmentChanges: 2, unidentified: 3, backwards: { FRA: 1 } })]);
    expect(await samples(metrics, 'propwatch_probe_catchment')).toEqual([
      'propwatch_probe_catchment{via="ns1",pop="FRA"} 1',
    ]);
    expect(await samples(metrics, 'propwatch_probe_catchment_changes_total')).toEqual([
      'propwatch_probe_catchment_changes_total{via="ns1"} 2',
    ]);
    expect(await samples(metrics, 'propwatch_probe_unidentified_answers_total')).toEqual([
      'propwatch_probe_unidentified_answers_total{via="ns1"} 3',
    ]);
    expect(await samples(metrics, 'propwatch_probe_answers_backwards_total')).toEqual([
      'propwatch_probe_answers_backwards_total{via="ns1",pop="FRA"} 1',
    ]);
    // A round in which no instance was identified: no catchment to show.
    metrics.observeTargets([summary(undefined)]);
    expect(await samples(metrics, 'propwatch_probe_catchment')).toEqual([]);
  });

  it(`bounds the pop label at ${MAX_POP_LABELS} names: NSIDs come from the network`, async () => {
    const metrics = new ProbeMetrics(false);
    const pops = Array.from({ length: MAX_POP_LABELS + 20 }, (_, i) => ({
      pop: `made-up-${i}`,
      ...anycast,
      state: 'rerouted' as const,
      lowerMs: 1,
      queries: 1,
    }));
    metrics.observeRound(report(pops));
    const queries = await samples(metrics, 'propwatch_probe_queries_total');
    expect(queries).toHaveLength(MAX_POP_LABELS + 1);
    expect(queries).toContain('propwatch_probe_queries_total{pop="_other"} 20');
  });
});
