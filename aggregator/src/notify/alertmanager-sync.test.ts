import type { Status } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../analysis/observations.js';
import type { PopBreach } from '../status/pop-breaches.js';
import { AlertmanagerSync } from './alertmanager-sync.js';

const T = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const status = (state: Status['state'], reason = 'r'): Status => ({
  state,
  since: iso(T),
  worstMs: 42_000,
  thresholdMs: 30_000,
  worst: { probe: 'p1', pop: 'LHR' },
  probes: { fresh: 2, expected: 2 },
  reason,
  updatedAt: iso(T),
});
const breach = (pop: string): PopBreach => {
  const worst: Observation = {
    probe: 'p1',
    pop,
    target: `${pop}:53`,
    roundId: 'r1',
    serial: '1735689600000',
    state: 'pending',
    kind: 'lower-bound',
    ms: 42_000,
    lowerMs: 42_000,
  };
  return { pop, probes: ['p1', 'p2'], worst };
};
const DASHBOARD = 'https://propwatch.example.net/';
const labelsOf = (posts: { labels: Record<string, string> }[]) => posts.map((p) => p.labels);

describe('AlertmanagerSync', () => {
  it('fires one alert per alarm POP, keeps startsAt while re-sent, resolves what is no longer wanted', () => {
    const sync = new AlertmanagerSync({ generatorURL: DASHBOARD, validForMs: 240_000, labels: { network: 'ns1' } });
    const first = sync.sync({ status: status('alarm'), alarmPops: [breach('LHR'), breach('SIN')] }, T);
    expect(labelsOf(first)).toEqual([
      { network: 'ns1', alertname: 'PropwatchAlarm', pop: 'LHR', severity: 'critical' },
      { network: 'ns1', alertname: 'PropwatchAlarm', pop: 'SIN', severity: 'critical' },
    ]);
    expect(first[0]).toEqual({
      labels: first[0]!.labels,
      annotations: {
        summary: 'propwatch alarm: POP LHR is not serving new DNS changes in time',
        description: 'LHR not serving serial 1735689600000 after 42.0 s (probes p1, p2)',
        probes: 'p1, p2',
        runbook_url: 'https://github.com/propwatch/propwatch/blob/main/deploy/README.md#propwatchalarm',
      },
      startsAt: iso(T),
      endsAt: iso(T + 240_000),
      generatorURL: DASHBOARD,
    });
    expect(sync.firing).toBe(2);

    // A minute later SIN is no longer in alarm: LHR is re-sent (same startsAt, endsAt moved on), SIN resolved now.
    const later = sync.sync({ status: status('alarm'), alarmPops: [breach('LHR')] }, T + 60_000);
    expect(later.map((p) => [p.labels.pop, p.startsAt, p.endsAt])).toEqual([
      ['SIN', iso(T), iso(T + 60_000)],
      ['LHR', iso(T), iso(T + 300_000)],
    ]);

    // Recovery: LHR resolved, nothing firing; a further sync posts nothing.
    const recovered = sync.sync({ status: status('ok'), alarmPops: [] }, T + 120_000);
    expect(recovered.map((p) => [p.labels.pop, p.endsAt])).toEqual([['LHR', iso(T + 120_000)]]);
    expect(sync.firing).toBe(0);
    expect(sync.sync({ status: status('ok'), alarmPops: [] }, T + 180_000)).toEqual([]);
  });

  it('stale and degraded are alerts of their own with the status reason; the next state resolves them', () => {
    const sync = new AlertmanagerSync({ generatorURL: DASHBOARD, validForMs: 240_000, labels: {} });
    const stale = sync.sync({ status: status('stale', 'only 0 of 2 probes reported'), alarmPops: [] }, T);
    expect(stale).toEqual([
      expect.objectContaining({
        labels: { alertname: 'PropwatchStatusStale', severity: 'warning' },
        annotations: expect.objectContaining({ description: 'only 0 of 2 probes reported' }),
      }),
    ]);
    const degraded = sync.sync({ status: status('degraded', 'writes failing'), alarmPops: [] }, T + 1000);
    expect(degraded.map((p) => [p.labels.alertname, p.endsAt])).toEqual([
      ['PropwatchStatusStale', iso(T + 1000)],
      ['PropwatchStatusDegraded', iso(T + 1000 + 240_000)],
    ]);
  });
});
