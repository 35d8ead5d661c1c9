/**
 * Every metric the alert rules and the Grafana dashboard query exists in
 * what the code really exposes: the aggregator's /metrics after ingesting
 * reports, and a probe's registry after a round.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, resolveConfig } from '@propwatch/aggregator';
import { ProbeMetrics } from '@propwatch/probe';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/compose-file.js';

const TOKENS = { p1: 'metric-test-token-p1-0001', p2: 'metric-test-token-p2-0002' };

function report(probe: keyof typeof TOKENS, state: RoundReport['round']['state'], pops: PopResult[]): RoundReport {
  return {
    wireVersion: 1,
    probe: { id: probe, region: 'test', version: '0.1.0' },
    round: {
      id: `${probe}-1`,
      zone: 'example.com',
      record: `${probe}._propwatch.example.com`,
      serial: '1735689600000',
      startedAt: new Date().toISOString(),
      state,
      elapsedMs: 5000,
      write: state === 'write_failed' ? { submitToAckMs: 20, error: 'HTTP 500' } : { submitToAckMs: 20 },
      pops,
    },
  };
}
const propagated: PopResult = {
  pop: 'LHR',
  target: '192.0.2.1:53',
  state: 'propagated',
  lowerMs: 900,
  upperMs: 1100,
  estimateMs: 1000,
  queries: 5,
  failures: 1,
};
const timedOut: PopResult = {
  pop: 'SYD',
  target: '192.0.2.2:53',
  state: 'timeout',
  lowerMs: 5000,
  queries: 50,
  failures: 3,
};

/** Sample and family names of a Prometheus text exposition. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const family = /^# TYPE (\S+)/.exec(line)?.[1];
    if (family) names.add(family);
    else if (line && !line.startsWith('#')) names.add(line.split(/[{ ]/)[0]!);
  }
  return names;
}

/** propwatch_* names used in PromQL expressions of the rules and the dashboard. */
function usedNames(): Map<string, string> {
  const used = new Map<string, string>();
  const collect = (where: string, expr: string) => {
    for (const [name] of expr.matchAll(/\bpropwatch_[a-z0-9_]+/g)) used.set(name, where);
  };
  const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  for (const rule of rules.groups.flatMap((g) => g.rules)) collect(`alert ${rule.alert}`, rule.expr);
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/propwatch-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  for (const panel of dashboard.panels)
    for (const target of panel.targets ?? []) collect(`panel ${panel.title}`, target.expr);
  for (const variable of dashboard.templating.list)
    if (variable.definition) collect(`variable ${variable.name}`, variable.definition);
  return used;
}

let exposed: Set<string>;
const temp = mkdtempSync(join(tmpdir(), 'propwatch-deploy-metrics-'));

beforeAll(async () => {
  const app = build({
    config: resolveConfig({
      storage: { path: join(temp, 'agg.db') },
      probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    }),
  });
  const ingest = async (probe: keyof typeof TOKENS, body: RoundReport) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/rounds',
      headers: { authorization: `Bearer ${TOKENS[probe]}` },
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  await ingest('p1', report('p1', 'complete', [propagated, timedOut]));
  await ingest('p2', report('p2', 'write_failed', []));
  const aggregatorText = (await app.inject({ url: '/metrics' })).body;
  await app.close();
  const probeMetrics = new ProbeMetrics(false);
  probeMetrics.observeRound(report('p1', 'complete', [propagated, timedOut]));
  exposed = new Set([...exposedNames(aggregatorText), ...exposedNames(await probeMetrics.registry.metrics())]);
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('metric names in deploy/', () => {
  it('the rules and the dashboard query the main aggregator metrics', () => {
    const used = usedNames();
    for (const name of [
      'propwatch_propagation_worst_seconds',
      'propwatch_propagation_worst_any_probe_seconds',
      'propwatch_alarm_state',
      'propwatch_probe_last_report_timestamp_seconds',
      'propwatch_alarm_pop',
      'propwatch_write_failures_total',
      'propwatch_ingest_reports_total',
      'propwatch_propagation_seconds_bucket',
    ]) {
      expect(used.has(name), name).toBe(true);
    }
  });

  it('every propwatch_* name they use is exposed by the code', () => {
    expect(exposed.has('propwatch_propagation_seconds_bucket')).toBe(true);
    const unknown = [...usedNames()]
      .filter(([name]) => !exposed.has(name))
      .map(([name, where]) => `${name} (${where})`);
    expect(unknown).toEqual([]);
  });
});
