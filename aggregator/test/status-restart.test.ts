/** The status across a restart of the aggregator: `since` and the state it belongs to are kept in the status row. */
import { existsSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
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

/** Rewrites the decided status in the store's status row, as a stepped-back clock or a stranger would leave it. */
function setStatusRow(dbPath: string, text: string | null, version?: number): void {
  const db = new Database(dbPath);
  try {
    db.prepare('UPDATE status_row SET status = ?, version = COALESCE(?, version) WHERE id = 1').run(
      text,
      version ?? null,
    );
  } finally {
    db.close();
  }
}

test('a saved status that is not one, or dated after now (a clock stepped back), is ignored: since starts now', async () => {
  const clock = new FakeClock();
  const first = buildTestApp(CONFIG, { clock });
  apps.push(first);
  await ingest(first.app, slowReport('p1'));
  const alarm = await status(first);
  clock.advance(10_000);
  await first.app.close();
  // The status is the store's status row now, not a file beside the database.
  expect(existsSync(`${first.dbPath}.status.json`)).toBe(false);
  const db = new Database(first.dbPath, { readonly: true });
  const row = db.prepare('SELECT version, status FROM status_row').get() as { version: number; status: string };
  db.close();
  const saved = JSON.parse(row.status);
  expect(saved).toMatchObject({ state: 'alarm', since: alarm.since });

  setStatusRow(first.dbPath, JSON.stringify({ ...saved, since: new Date(clock.ms + 3_600_000).toISOString() }));
  let again = buildTestApp(CONFIG, { clock, dbPath: first.dbPath });
  apps.push(again);
  expect(await status(again)).toMatchObject({ state: 'alarm', since: new Date(clock.ms).toISOString() });
  await again.app.close();

  clock.advance(10_000);
  setStatusRow(first.dbPath, '{"state":"alarm","since":"yesterday"');
  again = buildTestApp(CONFIG, { clock, dbPath: first.dbPath });
  apps.push(again);
  expect(await status(again)).toMatchObject({ state: 'alarm', since: new Date(clock.ms).toISOString() });
});

test('upgrading from an aggregator that kept the status in a file: the file seeds the empty status row once', async () => {
  const clock = new FakeClock();
  const first = buildTestApp(CONFIG, { clock });
  apps.push(first);
  await ingest(first.app, slowReport('p1'));
  const alarm = await status(first);
  clock.advance(60_000);
  await first.app.close();
  // What an older aggregator left: no decided status in the database, the status in the file beside it.
  const db = new Database(first.dbPath, { readonly: true });
  const saved = JSON.parse((db.prepare('SELECT status FROM status_row').get() as { status: string }).status);
  db.close();
  setStatusRow(first.dbPath, null, 0);
  writeFileSync(`${first.dbPath}.status.json`, JSON.stringify(saved));
  const again = buildTestApp(CONFIG, { clock, dbPath: first.dbPath });
  apps.push(again);
  expect(await status(again)).toMatchObject({ state: 'alarm', since: alarm.since });
  await again.app.ready();
  await again.app.transitions.settled();
  expect((await again.app.store.statusRow()).status).toMatchObject({ state: 'alarm', since: alarm.since });
});
