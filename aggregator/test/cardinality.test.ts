/**
 * Bounded cardinality (issue 12, item 3), in process: one authenticated probe
 * inventing POP names cannot grow what the aggregator keeps per (probe, POP)
 * — rows, rollup series, Prometheus series, /api/v1/pops — past
 * limits.popsPerProbe, nor past the expectedPops list; the count survives a
 * restart; series not seen within retention expire with their metrics on
 * the prune timer. (The memory figures of the full attack are in
 * cardinality-attack.heavy.test.ts, on a real process.)
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import { FakeClock, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

const apps: TestApp[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const t of apps.splice(0)) await t.cleanup();
});

function start(overrides: Record<string, unknown> = {}, extra: { dbPath?: string; clock?: FakeClock } = {}) {
  const t = buildTestApp({ ingest: { reportsPerSecond: 1000, burst: 1000 }, ...overrides }, extra);
  apps.push(t);
  return t;
}

const invented = (count: number, prefix: string): PopResult[] =>
  Array.from({ length: count }, (_, i) => pop(`${prefix}${i}`));

const storedRounds = (dbPath: string) => {
  const db = new Database(dbPath, { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM rounds').get() as { n: number }).n;
  db.close();
  return n;
};

describe('limits.popsPerProbe', () => {
  test('the attack: 50 reports of 2,000 invented POPs are refused whole, naming the cap; nothing grows', async () => {
    const t = start();
    const before = (await t.app.inject('/metrics')).body;
    for (let i = 0; i < 50; i++) {
      const response = await ingest(t.app, report('p1', { id: `attack-${i}`, pops: invented(2_000, `X${i}-`) }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'PROPWATCH_POP_LIMIT' });
      expect(response.json().message).toMatch(
        /^probe "p1" would report 2000 distinct POPs within retention, above limits\.popsPerProbe \(200\): 0 known, 2000 new \("X\d+-0", "X\d+-1", "X\d+-2", "X\d+-3", "X\d+-4", …\)/,
      );
    }
    expect(storedRounds(t.dbPath)).toBe(0);
    const after = (await t.app.inject('/metrics')).body;
    expect(after).not.toMatch(/pop="X/);
    // Only counters moved (50 more invalid reports): the same propwatch series, a few digits longer.
    // (Process and Node.js series are left out: GC histograms appear when V8 first collects.)
    const propwatchLines = (body: string) => body.split('\n').filter((line) => line.includes('propwatch_')).length;
    expect(propwatchLines(after)).toBe(propwatchLines(before));
    expect((await t.app.inject('/api/v1/pops')).json().pops).toEqual([]);
  });

  test('new names count up to the cap within retention; known names always pass; another probe has its own count', async () => {
    const t = start({ limits: { popsPerProbe: 20 } });
    expect((await ingest(t.app, report('p1', { id: 'a', pops: invented(15, 'A') }))).statusCode).toBe(200);
    // 15 known + 10 new = 25 > 20: refused whole (none of the 10 is kept).
    const over = await ingest(t.app, report('p1', { id: 'b', pops: [...invented(5, 'A'), ...invented(10, 'B')] }));
    expect(over.statusCode).toBe(400);
    expect(over.json().message).toMatch(/limits\.popsPerProbe \(20\): 15 known, 10 new/);
    expect((await ingest(t.app, report('p1', { id: 'c', pops: invented(5, 'B') }))).statusCode).toBe(200);
    expect((await ingest(t.app, report('p1', { id: 'd', pops: invented(15, 'A') }))).statusCode).toBe(200);
    expect((await ingest(t.app, report('p1', { id: 'e', pops: [pop('C0')] }))).statusCode).toBe(400);
    expect((await ingest(t.app, report('p2', { id: 'f', pops: invented(20, 'C') }), 'p2')).statusCode).toBe(200);
    const pops = (await t.app.inject('/api/v1/pops')).json().pops as { pop: string }[];
    expect(pops).toHaveLength(40);
    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics.match(/^propwatch_propagation_seconds_count\{/gm)).toHaveLength(40);
  });

  test('the count is restored at start: after a restart the probe is still at its cap', async () => {
    const temp = tempDir();
    const dbPath = join(temp.dir, 'restart.db');
    const first = start({ limits: { popsPerProbe: 10 }, storage: { path: dbPath } }, { dbPath });
    expect((await ingest(first.app, report('p1', { pops: invented(10, 'A') }))).statusCode).toBe(200);
    await first.app.close();
    apps.splice(apps.indexOf(first), 1);
    const second = start({ limits: { popsPerProbe: 10 }, storage: { path: dbPath } }, { dbPath });
    expect((await ingest(second.app, report('p1', { id: 'r2', pops: [pop('B0')] }))).statusCode).toBe(400);
    expect((await ingest(second.app, report('p1', { id: 'r3', pops: invented(10, 'A') }))).statusCode).toBe(200);
    temp.cleanup();
  });
});

describe('expectedPops', () => {
  test('a POP outside the list is refused, naming the POP, its place in the report and the key; nothing stored', async () => {
    const t = start({ expectedPops: ['LHR', 'SIN', 'FRA'] });
    const response = await ingest(t.app, report('p1', { pops: [pop('LHR'), pop('XYZ'), pop('SIN')] }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'PROPWATCH_UNEXPECTED_POP',
      message:
        'body.round.pops[1].pop: "XYZ" is not in expectedPops (the 3 expected POPs: LHR, SIN, FRA); add it to the aggregator\'s expectedPops if it is a new POP',
    });
    expect(storedRounds(t.dbPath)).toBe(0);
    expect((await ingest(t.app, report('p1', { pops: [pop('LHR'), pop('SIN')] }))).statusCode).toBe(200);
    // Coverage: the expected POP nobody reported is named.
    expect((await t.app.inject('/api/v1/pops')).json()).toMatchObject({ unseen: ['FRA'] });
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['a POP listed twice', { expectedPops: ['LHR', 'SIN', 'LHR'] }, /expectedPops\.2.*"LHR".*a POP code listed once/],
    [
      'a cap below the list',
      { expectedPops: ['LHR', 'SIN', 'FRA'], limits: { popsPerProbe: 2 } },
      /limits\.popsPerProbe.*2.*at least the number of expectedPops \(3\)/,
    ],
    ['a name that is no POP code', { expectedPops: ['<b>'] }, /expectedPops\.0/],
  ])('config: %s is an error naming the key', (_name, config, message) => {
    expect(() => buildTestApp(config)).toThrow(message);
  });
});

describe('expiry within retention', () => {
  test('series not seen within retention leave /metrics, /api/v1/pops and the cap on the prune timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const clock = new FakeClock();
    // Retention of one day; the prune timer every minute.
    const temp = tempDir();
    const dbPath = join(temp.dir, 'expiry.db');
    const storage = { path: dbPath, retentionDays: 1, pruneIntervalMs: 60_000 };
    const t = start({ storage, limits: { popsPerProbe: 3 } }, { clock, dbPath });
    await t.app.ready();
    const first = await ingest(t.app, report('p1', { pops: [pop('OLD1'), pop('OLD2')] }));
    expect(first.statusCode, first.body).toBe(200);
    clock.advance(86_400_000 - 60_000);
    expect((await ingest(t.app, report('p1', { id: 'r2', pops: [pop('NEW1')] }))).statusCode).toBe(200);
    expect((await ingest(t.app, report('p1', { id: 'r3', pops: [pop('NEW2')] }))).statusCode).toBe(400);
    const series = (body: string) => [...new Set(body.match(/pop="[A-Z0-9]+"/g))].sort();
    expect(series((await t.app.inject('/metrics')).body)).toEqual(['pop="NEW1"', 'pop="OLD1"', 'pop="OLD2"']);

    clock.advance(120_000); // OLD* now older than the retention
    await vi.advanceTimersByTimeAsync(60_000);
    expect(series((await t.app.inject('/metrics')).body)).toEqual(['pop="NEW1"']);
    expect((await ingest(t.app, report('p1', { id: 'r4', pops: [pop('NEW2')] }))).statusCode).toBe(200);
    expect((await t.app.store.popSeries()).map((s) => s.pop).sort()).toEqual(['NEW1', 'NEW2']);
    await t.app.close();
    apps.splice(apps.indexOf(t), 1);
    temp.cleanup();
  });
});
