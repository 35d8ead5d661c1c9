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
  expect(sample(text, 'propwatch_propagation_worst_seconds')).toBe(90);
  expect(sample(text, 'propwatch_alarm_threshold_seconds')).toBe(60);
  expect(sample(text, 'propwatch_probe_last_report_age_seconds{probe="p1"}')).toBe(0);
  expect(sample(text, 'propwatch_probe_last_report_age_seconds{probe="p3"}')).toBe(Number.POSITIVE_INFINITY);
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
