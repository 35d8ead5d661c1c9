/** The status across a restart of the aggregator: `since` and the state it belongs to are kept beside the database. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { type TestApp, buildTestApp, FakeClock, ingest, pop, report } from './helpers.js';

let apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.reverse()) await t.cleanup();
  apps = [];
});

const CONFIG = { status: { alarmAboveMs: 30_000, clearBelowMs: 20_000 } };
const slowReport = (probe: string) =>
  report(probe, {
    pops: [pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined })],
  });

async function status(t: TestApp) {
  return (await t.app.inject('/api/v1/status')).json();
}

async function restart(t: TestApp, clock: FakeClock): Promise<TestApp> {
  await t.app.close();
  const again = buildTestApp(CONFIG, { clock, dbPath: t.dbPath });
  apps.push(again);
  return again;
}

test('an alarm keeps its since across a restart', async () => {
  const clock = new FakeClock();
  const first = buildTestApp(CONFIG, { clock });
  apps.push(first);
  await ingest(first.app, slowReport('p1'));
  const alarm = await status(first);
  expect(alarm.state).toBe('alarm');
  clock.advance(90_000);
  const second = await restart(first, clock);
  expect(await status(second)).toMatchObject({ state: 'alarm', since: alarm.since });
  // A state the restart changes starts its since at the restart, as any change does.
  clock.advance(600_000);
  const third = await restart(second, clock);
  expect(await status(third)).toMatchObject({ state: 'stale', since: new Date(clock.ms).toISOString() });
});

test('a saved status that is not one, or dated after now (a clock stepped back), is ignored: since starts now', async () => {
  const clock = new FakeClock();
  const first = buildTestApp(CONFIG, { clock });
  apps.push(first);
  await ingest(first.app, slowReport('p1'));
  const alarm = await status(first);
  clock.advance(10_000);
  await first.app.close();
  const file = `${first.dbPath}.status.json`;
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved).toMatchObject({ state: 'alarm', since: alarm.since });

  writeFileSync(file, JSON.stringify({ ...saved, since: new Date(clock.ms + 3_600_000).toISOString() }));
  let again = buildTestApp(CONFIG, { clock, dbPath: first.dbPath });
  apps.push(again);
  expect(await status(again)).toMatchObject({ state: 'alarm', since: new Date(clock.ms).toISOString() });
  await again.app.close();

  clock.advance(10_000);
  writeFileSync(file, '{"state":"alarm","since":"yesterday"');
  again = buildTestApp(CONFIG, { clock, dbPath: first.dbPath });
  apps.push(again);
  expect(await status(again)).toMatchObject({ state: 'alarm', since: new Date(clock.ms).toISOString() });
});
