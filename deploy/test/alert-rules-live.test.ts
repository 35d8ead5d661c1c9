/**
 * The alert rules over what the aggregator really exports (issue 12 item 6): an aggregator with quorum 2
 * ingests reports, its gauges are read from /metrics, and promtool runs deploy/prometheus/alerts.yml over 40
 * minutes of those values. One probe lying does not page; quorum probes seeing a POP late or timing out do, and
 * PropwatchAlarm names the POP in its `pop` label.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, resolveConfig } from '@propwatch/aggregator';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT } from './helpers/compose-file.js';

const PROMTOOL = '/usr/bin/promtool';
const DIR = join(ROOT, 'deploy', 'prometheus');

function promtoolIn(cwd: string, ...args: string[]) {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const TOKENS = { p1: 'promtool-token-p1-000001', p2: 'promtool-token-p2-000002', p3: 'promtool-token-p3-000003' };
type ProbeId = keyof typeof TOKENS;

const lhr = (fields: Partial<PopResult>): PopResult => ({
  pop: 'LHR',
  target: '192.0.2.1:53',
  state: 'propagated',
  lowerMs: 900,
  upperMs: 1100,
  estimateMs: 1000,
  queries: 5,
  failures: 0,
  ...fields,
});

function report(probe: ProbeId, state: RoundReport['round']['state'], elapsedMs: number, pop: PopResult): RoundReport {
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
      elapsedMs,
      write: { submitToAckMs: 20 },
      pops: [pop],
    },
  };
}

/** The aggregator's gauges (quorum 2) after these reports, as Prometheus would scrape them. */
async function scrapeAfter(reports: [ProbeId, RoundReport][]): Promise<Record<string, string>> {
  const temp = mkdtempSync(join(tmpdir(), 'propwatch-promtool-'));
  const app = build({
    config: resolveConfig({
      storage: { path: join(temp, 'agg.db') },
      probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
      status: { quorum: 2, minFreshProbes: 1, alarmAboveMs: 60_000, clearBelowMs: 30_000 },
    }),
  });
  try {
    for (const [probe, body] of reports) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/rounds',
        headers: { authorization: `Bearer ${TOKENS[probe]}` },
        payload: body,
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    const text = (await app.inject({ url: '/metrics' })).body;
    // Every sample of these families, keyed by name and labels (`propwatch_alarm_pop{pop="LHR"}`).
    const gauges: Record<string, string> = {};
    const families = [
      'propwatch_propagation_worst_seconds',
      'propwatch_propagation_worst_any_probe_seconds',
      'propwatch_alarm_threshold_seconds',
      'propwatch_alarm_pop',
    ];
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (match && families.includes(match[1]!)) gauges[`${match[1]}${match[2] ?? ''}`] = match[3]!;
    }
    return gauges;
  } finally {
    await app.close();
    rmSync(temp, { recursive: true, force: true });
  }
}

const RULES = parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as {
  groups: { rules: { alert: string; annotations: { description: string; runbook_url: string } }[] }[];
};
const annotationsOf = (alert: string) => RULES.groups.flatMap((g) => g.rules).find((rule) => rule.alert === alert)!;

/** An alert expected to fire: its severity, rendered summary and description (default: the rule's, static). */
interface Expected {
  severity: string;
  summary: string;
  description?: string;
  labels?: Record<string, string>;
}

/** Runs alerts.yml over 40 minutes of `gauges` held constant; promtool checks exactly `expected` fire at 40m. */
function firingOver(gauges: Record<string, string>, expected: Record<string, Expected[]>) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-rules-'));
  try {
    copyFileSync(join(DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    const target = 'job="propwatch-aggregator",instance="aggregator:8080"';
    const test = {
      rule_files: ['alerts.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: Object.entries(gauges).map(([series, value]) => ({
            series: series.includes('{') ? series.replace('{', `{${target},`) : `${series}{${target}}`,
            // Written out: promtool's `aXn` expansion does not take +Inf.
            values: Array.from({ length: 41 }, () => value).join(' '),
          })),
          alert_rule_test: Object.entries(expected).map(([alertname, severities]) => ({
            eval_time: '40m',
            alertname,
            exp_alerts: severities.map(({ severity, summary, description, labels: extra }) => ({
              exp_labels: { severity, job: 'propwatch-aggregator', instance: 'aggregator:8080', ...extra },
              exp_annotations: {
                summary,
                description: description ?? annotationsOf(alertname).annotations.description,
                runbook_url: annotationsOf(alertname).annotations.runbook_url,
              },
            })),
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'live.test.yml'), stringify(test));
    return promtoolIn(dir, 'test', 'rules', 'live.test.yml');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!existsSync(PROMTOOL))("alert rules on the aggregator's own metrics", () => {
  it('one probe lying under quorum 2 does not page (info only)', async () => {
    const lying = report(
      'p1',
      'running',
      86_400_000,
      lhr({ state: 'pending', lowerMs: 86_400_000, upperMs: undefined, estimateMs: undefined }),
    );
    const gauges = await scrapeAfter([
      ['p1', lying],
      ['p2', report('p2', 'complete', 2000, lhr({}))],
    ]);
    expect(gauges.propwatch_propagation_worst_seconds).toBe('1');
    // The pending bound keeps growing with the aggregator's clock since the report (a few ms here).
    expect(Number(gauges.propwatch_propagation_worst_any_probe_seconds)).toBeGreaterThanOrEqual(86_400);
    expect(gauges['propwatch_alarm_pop{pop="LHR"}']).toBe('0');
    const { status, output } = firingOver(gauges, {
      PropwatchPropagationSlow: [],
      PropwatchAlarm: [],
      PropwatchPropagationSlowSingleProbe: [
        { severity: 'info', summary: 'one probe alone has seen a POP over the alarm threshold for 30 minutes' },
      ],
    });
    expect(status, output).toBe(0);
  });

  it('quorum probes seeing a POP late, or timing out below the threshold, page', async () => {
    const late = (probe: ProbeId) =>
      report(probe, 'complete', 80_000, lhr({ lowerMs: 74_000, upperMs: 76_000, estimateMs: 75_000 }));
    const slow = await scrapeAfter([
      ['p1', late('p1')],
      ['p2', late('p2')],
    ]);
    expect(slow.propwatch_propagation_worst_seconds).toBe('75');
    expect(slow['propwatch_alarm_pop{pop="LHR"}']).toBe('1');
    const lhrDescription =
      'At least status.quorum probes see LHR over the alarm threshold (or not serving at all within their wait). ' +
      'GET /api/v1/status gives the reason: serial, how late, which probes.';
    const paged = firingOver(slow, {
      PropwatchPropagationSlow: [{ severity: 'critical', summary: 'DNS changes take 1m 15s to reach the slowest POP' }],
      PropwatchAlarm: [
        {
          severity: 'critical',
          summary: 'propwatch alarm: POP LHR is not serving new DNS changes in time',
          description: lhrDescription,
          labels: { pop: 'LHR' },
        },
      ],
      PropwatchPropagationSlowSingleProbe: [],
    });
    expect(paged.status, paged.output).toBe(0);
    // A 30 s wait under a 60 s threshold: the timeout is +Inf, whatever the wait.
    const stuck = (probe: ProbeId) =>
      report(
        probe,
        'complete',
        30_000,
        lhr({ state: 'timeout', lowerMs: 30_000, upperMs: undefined, estimateMs: undefined }),
      );
    const timedOut = await scrapeAfter([
      ['p1', stuck('p1')],
      ['p2', stuck('p2')],
    ]);
    expect(timedOut.propwatch_propagation_worst_seconds).toBe('+Inf');
    const pagedOnTimeout = firingOver(timedOut, {
      PropwatchPropagationSlow: [
        { severity: 'critical', summary: "a POP does not serve DNS changes within the probes' wait (timeout)" },
      ],
    });
    expect(pagedOnTimeout.status, pagedOnTimeout.output).toBe(0);
  });
});
