import { PROPWATCH_VERSION } from '@propwatch/shared';
import { afterEach, expect, test } from 'vitest';
import { checkMetrics, promtoolAvailable } from '../../test-support/promtool.js';
import { T0, type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
afterEach(() => t.cleanup());

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
  // Timed out, never propagated: its series exists (from the first report naming it) with no observation.
  expect(sample(text, 'propwatch_propagation_seconds_count{probe="p1",pop="LHR"}')).toBe(0);
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
  expect(sample(text, 'propwatch_probe_last_report_timestamp_seconds{probe="p1"}')).toBe(T0 / 1000);
  // A configured probe that never reported: 0, so `time() - …` is as old as it gets.
  expect(sample(text, 'propwatch_probe_last_report_timestamp_seconds{probe="p3"}')).toBe(0);
  expect(text).not.toContain('propwatch_probe_last_report_age_seconds');
});

test('a (probe, POP) pair has its counters at 0 from the first report naming it, so its first timeout is an increase', async () => {
  t = buildTestApp();
  const pending = pop('LHR', { state: 'pending', lowerMs: 500, upperMs: undefined, estimateMs: undefined });
  await ingest(t.app, report('p1', { state: 'running', elapsedMs: 600, pops: [pending] }));
  const first = (await t.app.inject('/metrics')).body;
  expect(sample(first, 'propwatch_pop_timeouts_total{probe="p1",pop="LHR"}')).toBe(0);
  expect(sample(first, 'propwatch_query_failures_total{probe="p1",pop="LHR"}')).toBe(0);
  expect(sample(first, 'propwatch_propagation_seconds_count{probe="p1",pop="LHR"}')).toBe(0);
  const timeout = pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined });
  await ingest(t.app, report('p1', { state: 'complete', elapsedMs: 90_000, pops: [timeout] }));
  const second = (await t.app.inject('/metrics')).body;
  expect(sample(second, 'propwatch_pop_timeouts_total{probe="p1",pop="LHR"}')).toBe(1);
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
  expect(sample(lying, 'propwatch_alarm_pop{pop="LHR"}')).toBe(0);
  expect(sample(lying, 'propwatch_propagation_worst_seconds')).toBe(1);
  expect(sample(lying, 'propwatch_propagation_worst_any_probe_seconds')).toBe(86_400);
  // Two probes see LHR at 75 s: the alarm and the gauge agree.
  await ingest(t.app, slow('p2'), 'p2');
  await ingest(t.app, slow('p3'), 'p3');
  const confirmed = (await t.app.inject('/metrics')).body;
  expect(t.app.statusTracker.status.state).toBe('alarm');
  expect(sample(confirmed, 'propwatch_propagation_worst_seconds')).toBe(75);
  // The alarm names its POP, so the Prometheus alert carries a `pop` label: LHR is in alarm, SIN is not.
  expect(sample(confirmed, 'propwatch_alarm_pop{pop="LHR"}')).toBe(1);
  expect(sample(confirmed, 'propwatch_alarm_pop{pop="SIN"}')).toBe(0);
  expect(sample(confirmed, 'propwatch_alarm_threshold_seconds')).toBe(60);
});

test('every POP seen by quorum probes over the threshold is in the alarm, each with its own series', async () => {
  t = buildTestApp({ status: { quorum: 2, minFreshProbes: 1 } });
  const late = (name: string) => pop(name, { lowerMs: 74_000, upperMs: 76_000, estimateMs: 75_000 });
  await ingest(t.app, report('p1', { pops: [late('LHR'), late('SIN'), late('NRT')] }), 'p1');
  await ingest(t.app, report('p2', { pops: [late('LHR'), late('SIN'), pop('NRT')] }), 'p2');
  const text = (await t.app.inject('/metrics')).body;
  expect(t.app.statusTracker.status.state).toBe('alarm');
  expect(sample(text, 'propwatch_alarm_pop{pop="LHR"}')).toBe(1);
  expect(sample(text, 'propwatch_alarm_pop{pop="SIN"}')).toBe(1);
  // One probe alone: below quorum.
  expect(sample(text, 'propwatch_alarm_pop{pop="NRT"}')).toBe(0);
  // Both recover: no POP stays in alarm once the state has cleared.
  t.clock.advance(1_000);
  await ingest(
    t.app,
    report('p1', { id: 'p1-r2', serial: '1735689600001', pops: [pop('LHR'), pop('SIN'), pop('NRT')] }),
    'p1',
  );
  await ingest(
    t.app,
    report('p2', { id: 'p2-r2', serial: '1735689600001', pops: [pop('LHR'), pop('SIN'), pop('NRT')] }),
    'p2',
  );
  const after = (await t.app.inject('/metrics')).body;
  expect(t.app.statusTracker.status.state).toBe('ok');
  expect(after).not.toMatch(/^propwatch_alarm_pop\{[^}]*\} 1$/m);
});

test('without a POP seen by quorum probes the worst case is NaN (no figure), not 0', async () => {
  t = buildTestApp({ status: { quorum: 2, minFreshProbes: 1 } });
  await ingest(t.app, report('p1'), 'p1');
  const text = (await t.app.inject('/metrics')).body;
  expect(sample(text, 'propwatch_propagation_worst_seconds')).toBeNaN();
  expect(sample(text, 'propwatch_propagation_worst_any_probe_seconds')).toBe(2);
});

test('the last report is a timestamp that moves only with reports, not an age that grows at every scrape', async () => {
  t = buildTestApp();
  await ingest(t.app, report('p1'));
  t.clock.advance(90_000);
  const text = (await t.app.inject('/metrics')).body;
  expect(sample(text, 'propwatch_probe_last_report_timestamp_seconds{probe="p1"}')).toBe(T0 / 1000);
});

test('process, Node.js and build metrics are exported; the same objects for every app of the process', async () => {
  t = buildTestApp();
  const other = buildTestApp();
  try {
    const text = (await t.app.inject('/metrics')).body;
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toContain(`propwatch_build_info{version="${PROPWATCH_VERSION}",nodejs="${process.versions.node}"} 1`);
    // One event-loop monitor and GC observer per process, however many apps (tests build hundreds).
    const name = 'nodejs_eventloop_lag_seconds';
    await other.app.ready();
    expect(other.app.metrics.registry.getSingleMetric(name)).toBe(t.app.metrics.registry.getSingleMetric(name));
  } finally {
    await other.cleanup();
  }
});

test('metrics pass promtool check metrics', async () => {
  t = buildTestApp();
  await ingest(t.app, report('p1'));
  await ingest(
    t.app,
    report('p2', {
      pops: [pop('LHR', { state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined })],
    }),
    'p2',
  );
  const text = (await t.app.inject('/metrics')).body;
  expect(text).toContain('process_cpu_user_seconds_total');
  if (!promtoolAvailable('aggregator /metrics promtool check')) return;
  const { status, output } = checkMetrics(text);
  expect(output).toBe('');
  expect(status).toBe(0);
});
