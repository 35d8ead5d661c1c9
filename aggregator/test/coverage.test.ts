/**
 * Coverage (issue 15), over HTTP: observed / expected POPs in /api/v1/status and /api/v1/coverage, the blind
 * spots, the catchment map (probe → via → pop), the metrics, status.minCoverage → degraded (an alarm wins), and
 * the catchment changes stored over time (migration 6), pruned and capped.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import { MAX_CATCHMENT_CHANGES } from '../src/catchments/catchment-changes.js';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { READ_TOKEN, T0, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.cleanup();
});

function start(overrides: Record<string, unknown> = {}) {
  const t = buildTestApp(overrides);
  apps.push(t);
  return t;
}

const ADDRESS = { ns1: '198.51.100.1:53', ns2: '198.51.100.2:53' };
type Via = keyof typeof ADDRESS;
const instance = (name: string, via: Via, fields: Partial<PopResult> = {}): PopResult =>
  pop(name, { target: ADDRESS[via], via, targetKind: 'anycast', nsid: `${name.toLowerCase()}1.ns`, ...fields });
const unreachable = (via: Via): PopResult => ({
  pop: via,
  target: ADDRESS[via],
  via,
  targetKind: 'anycast',
  state: 'unreachable',
  lowerMs: 2_000,
  queries: 6,
  failures: 6,
});
const get = async (t: TestApp, url: string) => (await t.app.inject(url)).json();

async function twoProbes(t: TestApp) {
  expect(
    (await ingest(t.app, report('p1', { pops: [instance('LHR', 'ns1'), instance('FRA', 'ns2')] }))).statusCode,
  ).toBe(200);
  expect(
    (await ingest(t.app, report('p2', { pops: [instance('AMS', 'ns1'), unreachable('ns2')] }), 'p2')).statusCode,
  ).toBe(200);
}

describe('coverage against expectedPops', () => {
  test('status, /api/v1/coverage and the metrics name the blind POP and who sees what through which address', async () => {
    const t = start({ expectedPops: ['LHR', 'FRA', 'AMS', 'MAD'] });
    await twoProbes(t);
    const status = await get(t, '/api/v1/status');
    expect(status.state).toBe('ok');
    expect(status.coverage).toEqual({ basis: 'configured', observed: 3, expected: 4, missing: ['MAD'] });
    expect(status.reason).toMatch(/; coverage 3 of 4 POPs \(75%\), blind to MAD$/);

    const coverage = await get(t, '/api/v1/coverage');
    expect(coverage).toMatchObject({ basis: 'configured', observed: 3, expected: 4, ratio: 0.75, missing: ['MAD'] });
    expect(coverage.observers).toEqual([
      { pop: 'AMS', probes: ['p2'] },
      { pop: 'FRA', probes: ['p1'] },
      { pop: 'LHR', probes: ['p1'] },
      { pop: 'MAD', probes: [] },
    ]);
    expect(coverage.catchments.map((e: Record<string, unknown>) => [e.probe, e.via, e.pop, e.state])).toEqual([
      ['p1', 'ns1', 'LHR', 'propagated'],
      ['p1', 'ns2', 'FRA', 'propagated'],
      ['p2', 'ns1', 'AMS', 'propagated'],
      ['p2', 'ns2', null, 'unreachable'],
    ]);
    expect(coverage.catchments[0]).toMatchObject({ targetKind: 'anycast', nsid: 'lhr1.ns', fresh: true });
    expect(coverage.truncated).toBe(false);

    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics).toContain('propwatch_pop_observers{pop="MAD"} 0');
    expect(metrics).toContain('propwatch_pop_observers{pop="LHR"} 1');
    expect(metrics).toContain('propwatch_coverage_ratio 0.75');
  });

  test('below status.minCoverage the status is degraded naming the blind POPs; an alarm still wins', async () => {
    const t = start({ expectedPops: ['LHR', 'FRA', 'AMS', 'MAD'], status: { minCoverage: 0.9 } });
    await twoProbes(t);
    const status = await get(t, '/api/v1/status');
    expect(status.state).toBe('degraded');
    expect(status.reason).toBe('coverage 3 of 4 POPs (75%), blind to MAD: below status.minCoverage 90%');
    const stuck = instance('LHR', 'ns1', {
      state: 'timeout',
      lowerMs: 90_000,
      upperMs: undefined,
      estimateMs: undefined,
    });
    const late = report('p1', { id: 'p1-r2', serial: '1735689700000', elapsedMs: 90_000, pops: [stuck] });
    expect((await ingest(t.app, late)).statusCode).toBe(200);
    expect((await get(t, '/api/v1/status')).state).toBe('alarm');
  });

  test('no expected POP without a configured list: every POP seen is learned, and one that left a catchment is missing', async () => {
    const t = start();
    await twoProbes(t);
    // p1's ns2 catchment moves from FRA to MAD: FRA is still expected (seen within retention), now blind.
    const moved = report('p1', {
      id: 'p1-r2',
      serial: '1735689700000',
      pops: [instance('LHR', 'ns1'), instance('MAD', 'ns2')],
    });
    expect((await ingest(t.app, moved)).statusCode).toBe(200);
    expect((await get(t, '/api/v1/status')).coverage).toEqual({
      basis: 'learned',
      observed: 3,
      expected: 4,
      missing: ['FRA'],
    });
  });
});

describe('learned coverage across a restart', () => {
  test('the POPs seen within retention are expected as soon as the aggregator is up again', async () => {
    const { dir, cleanup } = tempDir();
    const dbPath = join(dir, 'learned.db');
    try {
      const before = buildTestApp({}, { dbPath });
      await twoProbes(before);
      // p1's ns2 stops answering: FRA is seen by nobody now, but it was seen within retention.
      const lost = report('p1', {
        id: 'p1-r2',
        serial: '1735689700000',
        pops: [instance('LHR', 'ns1'), unreachable('ns2')],
      });
      expect((await ingest(before.app, lost)).statusCode).toBe(200);
      await before.app.close();
      const after = buildTestApp({}, { dbPath, clock: before.clock });
      await after.app.ready();
      expect((await get(after, '/api/v1/status')).coverage).toEqual({
        basis: 'learned',
        observed: 2,
        expected: 3,
        missing: ['FRA'],
      });
      await after.app.close();
    } finally {
      cleanup();
    }
  });
});

describe('the catchment map', () => {
  test('a mid-round reroute shows both instances of the address; a running round keeps the addresses it has not answered yet', async () => {
    const t = start();
    expect(
      (await ingest(t.app, report('p1', { pops: [instance('LHR', 'ns1'), instance('FRA', 'ns2')] }))).statusCode,
    ).toBe(200);
    const running = report('p1', {
      id: 'p1-r2',
      serial: '1735689700000',
      state: 'running',
      elapsedMs: 3_000,
      pops: [
        instance('LHR', 'ns1', { state: 'rerouted', lowerMs: 1_000, upperMs: undefined, estimateMs: undefined }),
        instance('AMS', 'ns1', { state: 'pending', lowerMs: 2_500, upperMs: undefined, estimateMs: undefined }),
      ],
    });
    expect((await ingest(t.app, running)).statusCode).toBe(200);
    const { catchments } = await get(t, '/api/v1/coverage');
    expect(catchments.map((e: Record<string, unknown>) => [e.via, e.pop, e.state, e.roundId])).toEqual([
      ['ns1', 'AMS', 'pending', 'p1-r2'],
      ['ns1', 'LHR', 'rerouted', 'p1-r2'],
      ['ns2', 'FRA', 'propagated', 'p1-r1'],
    ]);
  });

  test('the read is bounded: limit caps the entries, a bad limit is a 400 naming it', async () => {
    const t = start({ readToken: READ_TOKEN });
    await twoProbes(t);
    const auth = { authorization: `Bearer ${READ_TOKEN}` };
    const one = await t.app.inject({ url: '/api/v1/coverage?limit=1', headers: auth });
    expect(one.json()).toMatchObject({ truncated: true });
    expect(one.json().catchments).toHaveLength(1);
    for (const bad of ['0', '5001', 'x']) {
      const response = await t.app.inject({ url: `/api/v1/coverage?limit=${bad}`, headers: auth });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toContain('limit');
    }
    expect((await t.app.inject('/api/v1/coverage')).statusCode).toBe(401);
  });
});

describe('catchment changes over time', () => {
  test('stored once when a probe’s newest round moves, mid-round included; a replayed older round moves nothing', async () => {
    const t = start();
    const first = report('p1', { pops: [instance('LHR', 'ns1'), instance('FRA', 'ns2')] });
    expect((await ingest(t.app, first)).statusCode).toBe(200);
    const running = (elapsedMs: number) =>
      report('p1', {
        id: 'p1-r2',
        serial: '1735689700000',
        state: 'running',
        elapsedMs,
        pops: [
          instance('LHR', 'ns1', { state: 'rerouted', lowerMs: 1_000, upperMs: undefined, estimateMs: undefined }),
          instance('AMS', 'ns1', { state: 'pending', lowerMs: 1_500, upperMs: undefined, estimateMs: undefined }),
          instance('FRA', 'ns2', { state: 'pending', lowerMs: 1_500, upperMs: undefined, estimateMs: undefined }),
        ],
      });
    t.clock.advance(60_000);
    expect((await ingest(t.app, running(2_000))).statusCode).toBe(200);
    t.clock.advance(1_000);
    expect((await ingest(t.app, running(3_000))).statusCode).toBe(200);
    // The older round again (a spool replay, with more progress): not the newest, so no flip back to LHR.
    expect((await ingest(t.app, { ...first, round: { ...first.round, elapsedMs: 2_500 } })).statusCode).toBe(200);
    const { changes } = await get(t, '/api/v1/coverage');
    expect(changes).toEqual([
      {
        probe: 'p1',
        via: 'ns1',
        fromPop: 'LHR',
        toPop: 'AMS',
        roundId: 'p1-r2',
        at: new Date(T0 + 60_000).toISOString(),
      },
    ]);
    const db = new Database(t.dbPath, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_migrations WHERE version = 6').pluck().get()).toBe(6);
    expect(db.prepare('SELECT COUNT(*) FROM catchment_changes').pluck().get()).toBe(1);
    db.close();
  });

  test('pruned with the retention and capped at 100,000 rows, oldest first', async () => {
    const { dir, cleanup } = tempDir();
    const store = new SqliteRoundStore({ path: join(dir, 'changes.db') });
    try {
      const change = (i: number) => ({
        probe: 'p1',
        via: 'ns1',
        fromPop: 'LHR',
        toPop: 'AMS',
        roundId: `r${i}`,
        at: i,
      });
      await store.addCatchmentChanges(Array.from({ length: MAX_CATCHMENT_CHANGES + 10 }, (_, i) => change(i)));
      await store.prune(5);
      expect(await store.catchmentChanges(1)).toEqual([change(MAX_CATCHMENT_CHANGES + 9)]);
      const db = new Database(join(dir, 'changes.db'), { readonly: true });
      expect(db.prepare('SELECT COUNT(*) FROM catchment_changes').pluck().get()).toBe(MAX_CATCHMENT_CHANGES);
      expect(db.prepare('SELECT MIN(at) FROM catchment_changes').pluck().get()).toBe(10);
      db.close();
      await store.prune(MAX_CATCHMENT_CHANGES + 9);
      expect((await store.catchmentChanges(5)).map((c) => c.at)).toEqual([MAX_CATCHMENT_CHANGES + 9]);
    } finally {
      await store.close();
      cleanup();
    }
  });
});
