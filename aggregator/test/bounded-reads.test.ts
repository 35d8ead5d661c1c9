/**
 * Every read has a bounded cost (issue 12, item 4), over app.inject with
 * reports ingested on a fake clock: long windows are served from the rollups
 * and agree with the raw truth (counts, max, slowest round, percentiles
 * within their histogram bucket); a history has a value for every step, gaps
 * included; reads over limits.readRows, or over 10,000 raw POP results, are
 * refused or cut and say so; too many long reads at once get a 503; and a
 * long read runs in slices, so /api/v1/status requests are answered while it
 * is still running (ordering, not timing: the timing is in bench/).
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import { computePercentiles } from '../src/analysis/percentiles.js';
import { ROLLUP_BOUNDS_MS, bucketOf } from '../src/rollup/rollup-cell.js';
import { type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.cleanup();
});

const POPS = ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG', 'SIN', 'NRT', 'SYD'];
const PROBES = ['p1', 'p2', 'p3'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function start(overrides: Record<string, unknown> = {}) {
  const t = buildTestApp({ ingest: { reportsPerSecond: 100_000, burst: 100_000 }, ...overrides });
  apps.push(t);
  return t;
}

/** A deterministic figure per (round, POP); every 97th result a timeout at 45 s. */
function figure(round: number, popIndex: number): { ms: number; timedOut: boolean } {
  const n = round * 14 + popIndex;
  if (n % 97 === 0) return { ms: 45_000, timedOut: true };
  return { ms: 200 + ((n * 7_919) % 20_000), timedOut: false };
}

function popsOf(round: number): PopResult[] {
  return POPS.map((name, i) => {
    const { ms, timedOut } = figure(round, i);
    return timedOut
      ? pop(name, { state: 'timeout', lowerMs: ms, upperMs: undefined, estimateMs: undefined })
      : pop(name, { lowerMs: ms - 10, upperMs: ms + 10, estimateMs: ms });
  });
}

/** 3 probes × 14 POPs, a complete round per probe every `everyMs` over `spanMs`, ending now; returns every figure. */
async function seed(t: TestApp, spanMs: number, everyMs: number) {
  const figures: { probe: string; pop: string; ms: number; timedOut: boolean; round: string }[] = [];
  let round = 0;
  for (let at = 0; at < spanMs; at += everyMs, round++) {
    for (const probe of PROBES) {
      const id = `${probe}-${round}`;
      const pops = popsOf(round + PROBES.indexOf(probe) * 1_000);
      const startedAt = new Date(t.clock.ms).toISOString();
      const response = await ingest(
        t.app,
        report(probe, { id, serial: String(1_000 + round), startedAt, pops }),
        probe,
      );
      expect(response.statusCode).toBe(200);
      for (const p of pops)
        figures.push({
          probe,
          pop: p.pop,
          ms: p.estimateMs ?? p.lowerMs,
          timedOut: p.state === 'timeout',
          round: id,
        });
    }
    t.clock.advance(everyMs);
  }
  t.clock.advance(-everyMs + 1_000);
  return figures;
}

const inBucketOf = (estimate: number, exact: number) => {
  const i = bucketOf(exact);
  return estimate >= (i === 0 ? 0 : ROLLUP_BOUNDS_MS[i - 1]!) && estimate <= (ROLLUP_BOUNDS_MS[i] ?? Infinity);
};

describe('long windows from the rollups', () => {
  test('/api/v1/propagation?window=3d agrees with the raw results: counts, max, slowest, percentiles', async () => {
    const t = start();
    const figures = await seed(t, 3 * DAY, HOUR);
    const body = (await t.app.inject('/api/v1/propagation?window=3d')).json();
    expect(body).toMatchObject({ source: 'rollup', percentiles: 'bucket-interpolated', rounds: 3 * 72 });
    expect([60_000, 600_000, HOUR]).toContain(body.resolutionMs);
    const exact = computePercentiles(figures.map((f) => f.ms));
    expect(body.overall).toMatchObject({
      count: figures.length,
      max: exact.max,
      timeouts: figures.filter((f) => f.timedOut).length,
      pending: 0,
    });
    for (const p of ['p50', 'p90', 'p99'] as const) expect(inBucketOf(body.overall[p], exact[p]!), p).toBe(true);
    expect(body.perPop.map((g: { key: string }) => g.key)).toEqual([...POPS].sort());
    expect(body.perProbe.map((g: { key: string; count: number }) => [g.key, g.count])).toEqual(
      PROBES.map((probe) => [probe, figures.filter((f) => f.probe === probe).length]),
    );
    const slowest = figures.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(body.slowest).toMatchObject({ ms: slowest.ms, kind: slowest.timedOut ? 'censored' : 'measured' });
    expect(figures.filter((f) => f.ms === slowest.ms).map((f) => f.round)).toContain(body.slowest.roundId);
    expect(body.worstCase).not.toBeNull();
  });

  test('a short window is read raw: exact nearest-rank percentiles', async () => {
    const t = start();
    const figures = await seed(t, 30 * 60_000, 5 * 60_000);
    const body = (await t.app.inject('/api/v1/propagation?window=1h')).json();
    expect(body).toMatchObject({ source: 'raw', percentiles: 'nearest-rank', resolutionMs: null });
    const exact = computePercentiles(figures.map((f) => f.ms));
    expect(body.overall).toMatchObject({ count: figures.length, p50: exact.p50, p90: exact.p90, max: exact.max });
  });

  test('/api/v1/history?window=7d: a value per step, gaps as count 0 and null; by POP and for one POP', async () => {
    const t = start();
    const figures = await seed(t, 2 * DAY, HOUR);
    const body = (await t.app.inject('/api/v1/history?window=7d')).json();
    const { rollup } = body;
    expect(rollup).toMatchObject({ level: '10m', stepMs: HOUR / 2, by: 'probe', percentiles: 'bucket-interpolated' });
    expect(rollup.at).toHaveLength((rollup.to - rollup.from) / rollup.stepMs);
    expect(rollup.at[0]).toBe(rollup.from);
    expect(rollup.from).toBeLessThanOrEqual(t.clock.ms - 7 * DAY);
    expect(body.points).toEqual([]);
    expect(body.pointsComplete).toBe(false);
    expect(rollup.series.map((s: { probe: string }) => s.probe)).toEqual(PROBES);
    const p1 = rollup.series[0];
    for (const column of [
      'count',
      'timeouts',
      'minMs',
      'p50Ms',
      'p90Ms',
      'p99Ms',
      'maxMs',
      'meanMs',
      'lowMs',
      'highMs',
    ])
      expect(p1[column], column).toHaveLength(rollup.at.length);
    // The five days before the data: gaps, never zeros that a chart would draw as "fast".
    const firstData = rollup.at.findIndex((_: number, i: number) => p1.count[i] > 0);
    expect(firstData).toBeGreaterThan(2 * 24 * 4);
    for (let i = 0; i < firstData; i++) expect([p1.count[i], p1.maxMs[i], p1.p50Ms[i]]).toEqual([0, null, null]);
    const total = (p1.count as number[]).reduce((a, b) => a + b, 0);
    expect(total).toBe(figures.filter((f) => f.probe === 'p1').length);
    const withData = (p1.count as number[]).flatMap((n, i) => (n > 0 ? [i] : []));
    for (const i of withData) {
      expect(p1.lowMs[i]).toBeLessThanOrEqual(p1.minMs[i]);
      expect(p1.p50Ms[i]).toBeLessThanOrEqual(p1.maxMs[i]);
    }

    const byPop = (await t.app.inject('/api/v1/history?window=7d&by=pop&pop=LHR')).json().rollup;
    expect(byPop.series.map((s: { pop: string }) => s.pop)).toEqual(['LHR']);
    const lhr = figures.filter((f) => f.pop === 'LHR');
    expect((byPop.series[0].count as number[]).reduce((a, b) => a + b, 0)).toBe(lhr.length);
    expect(Math.max(...(byPop.series[0].maxMs as (number | null)[]).map((v) => v ?? 0))).toBe(
      Math.max(...lhr.map((f) => f.ms)),
    );
  });

  test.each([
    ['/api/v1/history?window=30d&by=pop', 'query: this read needs'],
    ['/api/v1/propagation?window=30d', 'query.window: this window needs'],
  ])('%s over limits.readRows is a 400 naming the limit', async (url, start) => {
    const t = buildTestApp({ limits: { readRows: 1_000 }, ingest: { reportsPerSecond: 1000, burst: 1000 } });
    apps.push(t);
    await seed(t, 2 * HOUR, HOUR);
    const response = await t.app.inject(url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'PROPWATCH_READ_TOO_LARGE' });
    expect(response.json().message).toMatch(new RegExp(`^${start}.*limits\\.readRows`));
  });
});

describe('raw reads are capped by POP results', () => {
  const wide = (round: number) =>
    Array.from({ length: 200 }, (_, i) =>
      pop(`W${i}`, { lowerMs: 90 + round, upperMs: 110 + round, estimateMs: 100 + round }),
    );

  test('/api/v1/rounds stops before 10,000 POP results and says so; /propagation then uses rollups', async () => {
    const t = start();
    for (let i = 0; i < 60; i++) {
      const startedAt = new Date(t.clock.ms).toISOString();
      expect((await ingest(t.app, report('p1', { id: `w${i}`, startedAt, pops: wide(i) }))).statusCode).toBe(200);
      t.clock.advance(1_000);
    }
    const rounds = (await t.app.inject('/api/v1/rounds?limit=500')).json();
    expect(rounds.truncated).toBe(true);
    expect(rounds.rounds).toHaveLength(50);
    expect(rounds.rounds[0].id).toBe('w59');
    expect(rounds.rounds[0].pops).toHaveLength(200);
    const few = (await t.app.inject('/api/v1/rounds?limit=3')).json();
    expect([few.truncated, few.rounds.map((r: { id: string }) => r.id)]).toEqual([false, ['w59', 'w58', 'w57']]);
    const propagation = (await t.app.inject('/api/v1/propagation?window=10m')).json();
    expect(propagation).toMatchObject({ source: 'rollup', overall: { count: 12_000 } });
    const history = (await t.app.inject('/api/v1/history?window=10m&by=all')).json();
    expect(history.pointsComplete).toBe(false);
    expect(history.points.map((p: { round: string }) => p.round)).toEqual(
      Array.from({ length: 50 }, (_, i) => `w${i + 10}`),
    );
  });
});

describe('long reads never hold the event loop', () => {
  test('/api/v1/status is answered many times while one long read runs', async () => {
    const t = start({ limits: { readRows: 1_000_000 } });
    await seed(t, 3 * DAY, HOUR);
    let done = false;
    const long = t.app.inject('/api/v1/history?window=3d&by=pop').then((response) => {
      done = true;
      return response;
    });
    let answeredMeanwhile = 0;
    // Each status request arrives as its own event (here: a macrotask, as a socket read would be).
    for (let i = 0; !done && i < 100_000; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      const status = await t.app.inject('/api/v1/status');
      expect(status.statusCode).toBe(200);
      if (!done) answeredMeanwhile += 1;
    }
    expect((await long).statusCode).toBe(200);
    // 3 days in 20-minute steps from 10-minute cells × 42 series, 250 cells per slice: dozens of slices.
    expect(answeredMeanwhile).toBeGreaterThanOrEqual(20);
  });

  test('more long reads than 4 running and 32 waiting: the rest get a 503 to retry, the others all answer', async () => {
    const t = start({ limits: { readRows: 1_000_000 } });
    await seed(t, DAY, HOUR);
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => t.app.inject('/api/v1/history?window=1d&by=pop')),
    );
    const codes = responses.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(36);
    const busy = responses.filter((r) => r.statusCode === 503);
    expect(busy).toHaveLength(4);
    expect(busy[0]!.headers['retry-after']).toBe('1');
    expect(busy[0]!.json()).toMatchObject({ code: 'PROPWATCH_READ_BUSY' });
  });
});

describe('/api/v1/pops', () => {
  test('observations are finished results in the analysis window, from the rollups', async () => {
    const t = start();
    await ingest(t.app, report('p1', { pops: [pop('LHR'), pop('SIN')] }));
    await ingest(t.app, report('p2', { id: 'b', pops: [pop('LHR')] }), 'p2');
    await ingest(
      t.app,
      report('p3', {
        id: 'c',
        state: 'running',
        pops: [pop('LHR', { state: 'pending', lowerMs: 10, upperMs: undefined, estimateMs: undefined })],
      }),
      'p3',
    );
    const body = (await t.app.inject('/api/v1/pops')).json();
    expect(body.pops.map((p: { pop: string; observations: number }) => [p.pop, p.observations])).toEqual([
      ['LHR', 2],
      ['SIN', 1],
    ]);
    expect(body.pops[0].targets).toEqual([pop('LHR').target]);
  });
});
