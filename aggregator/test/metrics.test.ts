import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
afterEach(() => t.cleanup());

const PROMTOOL = '/usr/bin/promtool';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) return undefined;
  const value = line.slice(series.length + 1);
  return value === '+Inf' ? Number.POSITIVE_INFINITY : Number(value);
}

test('each POP observation is counted once across progress reports and duplicates', async () => {
  t = buildTestApp();
  const pending = pop('LHR', {
    state: 'pending',
    lowerMs: 500,
    upperMs: undefined,
    estimateMs: undefined,
    failures: 1,
  });
  await ingest(t.app, report('p1', { state: 'running', elapsedMs: 600, pops: [pending, pop('SIN')] }));
  await ingest(t.app, report('p1', { state: 'running', elapsedMs: 600, pops: [pending, pop('SIN')] }));
  await ingest(
    t.app,
    report('p1', {
      state: 'complete',
      elapsedMs: 90_000,
      pops: [
        pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined, failures: 4 }),
        pop('SIN'),
      ],
    }),
  );
  await ingest(t.app, report('p1', { state: 'running', elapsedMs: 600, pops: [pending, pop('SIN')] }));
  await ingest(
    t.app,
    report('p2', { state: 'write_failed', pops: [], write: { submitToAckMs: 30, error: 'HTTP 500' } }),
    'p2',
  );
  await ingest(t.app, report('p2'), 'p3');
  const text = (await t.app.inject('/metrics')).body;
  expect(sample(text, 'propwatch_propagation_seconds_count{probe="p1",pop="SIN"}')).toBe(1);
  expect(sample(text, 'propwatch_propagation_seconds_count{probe="p1",pop="LHR"}')).toBeUndefined();
  expect(sample(text, 'propwatch_pop_timeouts_total{probe="p1",pop="LHR"}')).toBe(1);
  expect(sample(text, 'propwatch_query_failures_total{probe="p1",pop="LHR"}')).toBe(4);
  expect(sample(text, 'propwatch_write_failures_total{probe="p2"}')).toBe(1);
  expect(sample(text, 'propwatch_write_failures_total{probe="p3"}')).toBe(0);
  expect(sample(text, 'propwatch_ingest_reports_total{result="inserted"}')).toBe(2);
  expect(sample(text, 'propwatch_ingest_reports_total{result="updated"}')).toBe(1);
  expect(sample(text, 'propwatch_ingest_reports_total{result="unchanged"}')).toBe(2);
  expect(sample(text, 'propwatch_ingest_reports_total{result="forbidden"}')).toBe(1);
  expect(sample(text, 'propwatch_ingest_duration_seconds_count')).toBe(5);
  expect(sample(text, 'propwatch_alarm_state{state="alarm"}')).toBe(1);
  expect(sample(text, 'propwatch_alarm_state{state="ok"}')).toBe(0);
  // LHR timed out (its figure is +Inf, and it carries over while the next round has it pending): quorum 1 here.
  expect(sample(text, 'propwatch_propagation_worst_seconds')).toBe(Number.POSITIVE_INFINITY);
  expect(sample(text, 'propwatch_propagation_worst_any_probe_seconds')).toBe(Number.POSITIVE_INFINITY);
  expect(sample(text, 'propwatch_alarm_threshold_seconds')).toBe(60);
  expect(sample(text, 'propwatch_probe_last_report_age_seconds{probe="p1"}')).toBe(0);
  expect(sample(text, 'propwatch_probe_last_report_age_seconds{probe="p3"}')).toBe(Number.POSITIVE_INFINITY);
});

test('the worst case respects quorum; the figure of any single probe is exported under its own name', async () => {
  t = buildTestApp({ status: { quorum: 2, minFreshProbes: 1 } });
  const liar = pop('LHR', { state: 'pending', lowerMs: 86_400_000, upperMs: undefined, estimateMs: undefined });
  const slow = (probe: string) =>
    report(probe, { pops: [pop('LHR', { lowerMs: 74_000, upperMs: 76_000, estimateMs: 75_000 }), pop('SIN')] });
  await ingest(t.app, report('p1', { state: 'running', elapsedMs: 86_400_000, pops: [liar, pop('SIN')] }), 'p1');
  await ingest(t.app, report('p2'), 'p2');
  const lying = (await t.app.inject('/metrics')).body;
  // One probe reporting a pending bound of a day: the status stays ok under quorum 2, and so does the gauge.
  expect(t.app.statusTracker.status.state).toBe('ok');
  expect(sample(lying, 'propwatch_propagation_worst_seconds')).toBe(1);
  expect(sample(lying, 'propwatch_propagation_worst_any_probe_seconds')).toBe(86_400);
  // Two probes see LHR at 75 s: the alarm and the gauge agree.
  await ingest(t.app, slow('p2'), 'p2');
  await ingest(t.app, slow('p3'), 'p3');
  const confirmed = (await t.app.inject('/metrics')).body;
  expect(t.app.statusTracker.status.state).toBe('alarm');
  expect(sample(confirmed, 'propwatch_propagation_worst_seconds')).toBe(75);
  expect(sample(confirmed, 'propwatch_alarm_threshold_seconds')).toBe(60);
});

test('without a POP seen by quorum probes the worst case is NaN (no figure), not 0', async () => {
  t = buildTestApp({ status: { quorum: 2, minFreshProbes: 1 } });
  await ingest(t.app, report('p1'), 'p1');
  const text = (await t.app.inject('/metrics')).body;
  expect(sample(text, 'propwatch_propagation_worst_seconds')).toBeNaN();
  expect(sample(text, 'propwatch_propagation_worst_any_probe_seconds')).toBe(2);
});

test('metrics pass promtool check metrics', async () => {
  if (!existsSync(PROMTOOL)) {
    if (process.env.CI)
      throw new Error(`${PROMTOOL} is missing: install the Debian "prometheus" package (.ci/run does)`);
    console.warn(`skipping the promtool check: ${PROMTOOL} not installed (apt-get install prometheus)`);
    expect(process.env.CI).toBeFalsy();
    return;
  }
  t = buildTestApp();
  await ingest(t.app, report('p1'));
  const text = (await t.app.inject('/metrics')).body;
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  expect(result.stderr + result.stdout).toBe('');
  expect(result.status).toBe(0);
});
