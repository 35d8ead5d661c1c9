import { afterEach, describe, expect, test } from 'vitest';
import { Compile } from 'typebox/compile';
import { Status } from '@propwatch/shared';
import { READ_TOKEN, type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
afterEach(() => t.cleanup());

async function seed(): Promise<void> {
  await ingest(t.app, report('p1'));
  await ingest(
    t.app,
    report('p2', {
      pops: [
        pop('LHR', { estimateMs: 3000, lowerMs: 2500, upperMs: 3500 }),
        pop('SIN', { state: 'timeout', lowerMs: 60000, upperMs: undefined, estimateMs: undefined }),
      ],
    }),
    'p2',
  );
}

describe('read API', () => {
  test('GET /api/v1/status matches the shared Status schema', async () => {
    t = buildTestApp({ status: { quorum: 2, alarmAboveMs: 50_000, clearBelowMs: 40_000 } });
    await seed();
    const response = await t.app.inject('/api/v1/status');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Compile(Status).Check(body)).toBe(true);
    expect(body).toMatchObject({
      state: 'ok',
      worstMs: 60000,
      worst: { probe: 'p2', pop: 'SIN' },
      probes: { fresh: 2, expected: 3 },
    });
  });

  test('GET /api/v1/propagation: window parsing, percentiles, tables; bad window → 400 naming it', async () => {
    t = buildTestApp();
    await seed();
    const body = (await t.app.inject('/api/v1/propagation?window=10m')).json();
    expect(body).toMatchObject({
      windowMs: 600_000,
      rounds: 2,
      overall: { count: 4, max: 60000, timeouts: 1 },
      slowest: { probe: 'p2', pop: 'SIN', kind: 'censored' },
    });
    expect(body.perPop.map((g: { key: string }) => g.key)).toEqual(['LHR', 'SIN']);
    expect(body.perProbe.map((g: { key: string }) => g.key)).toEqual(['p1', 'p2']);
    expect((await t.app.inject('/api/v1/propagation')).json().windowMs).toBe(600_000);
    t.clock.advance(700_000);
    expect((await t.app.inject('/api/v1/propagation?window=600000')).json().rounds).toBe(0);
    for (const bad of ['abc', '0', '999d', '-1m']) {
      const response = await t.app.inject(`/api/v1/propagation?window=${bad}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/^query\.window: expected a duration/);
    }
    const unknown = await t.app.inject('/api/v1/propagation?windw=10m');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/query: unknown field "windw"/);
  });

  test('GET /api/v1/rounds: newest first, probe filter, bounded limit', async () => {
    t = buildTestApp();
    await seed();
    await ingest(
      t.app,
      report('p1', {
        id: 'p1-r2',
        startedAt: new Date(Date.parse(report('p1').round.startedAt) + 60_000).toISOString(),
      }),
    );
    const all = (await t.app.inject('/api/v1/rounds')).json();
    expect(all.rounds.map((r: { id: string }) => r.id)).toEqual(['p1-r2', 'p2-r1', 'p1-r1']);
    expect(all.rounds[0].pops).toHaveLength(2);
    expect(all.rounds[0].receivedAt).toBe(new Date(t.clock.ms).toISOString());
    const one = (await t.app.inject('/api/v1/rounds?probe=p1&limit=1')).json();
    expect(one.rounds.map((r: { id: string }) => r.id)).toEqual(['p1-r2']);
    for (const [query, message] of [
      ['limit=0', /query\.limit: expected an integer from 1 to 500 \(got 0\)/],
      ['limit=100000', /query\.limit: expected an integer from 1 to 500/],
      ['probe=../etc', /query\.probe: expected a string matching/],
    ] as const) {
      const response = await t.app.inject(`/api/v1/rounds?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(message);
    }
  });

  test('GET /api/v1/pops and /api/v1/probes', async () => {
    t = buildTestApp();
    await seed();
    const pops = (await t.app.inject('/api/v1/pops')).json();
    expect(pops.pops.map((p: { pop: string; observations: number }) => [p.pop, p.observations])).toEqual([
      ['LHR', 2],
      ['SIN', 2],
    ]);
    expect(pops.pops[1].current).toMatchObject({ probe: 'p2', kind: 'censored', ms: 60000 });
    t.clock.advance(200_000);
    const probes = (await t.app.inject('/api/v1/probes')).json().probes;
    expect(
      probes.map((p: { id: string; fresh: boolean; version: string | null }) => [p.id, p.fresh, p.version]),
    ).toEqual([
      ['p1', false, '0.1.0'],
      ['p2', false, '0.1.0'],
      ['p3', false, null],
    ]);
    expect(probes[0]).toMatchObject({
      region: 'region-p1',
      lastRound: { id: 'p1-r1', state: 'complete' },
      configured: true,
    });
  });

  test('/api/v1/status, /api/v1/pops and /api/v1/propagation agree on the current worst case (previous-round carry-over)', async () => {
    t = buildTestApp();
    // p1's last complete round saw LHR time out at 60 s; its next round has just started with LHR pending at 1 s.
    const timedOut = pop('LHR', { state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined });
    await ingest(t.app, report('p1', { pops: [timedOut, pop('SIN')] }));
    t.clock.advance(5_000);
    const pending = pop('LHR', { state: 'pending', lowerMs: 1_000, upperMs: undefined, estimateMs: undefined });
    await ingest(
      t.app,
      report('p1', {
        id: 'p1-r2',
        state: 'running',
        startedAt: new Date(t.clock.ms - 1_000).toISOString(),
        pops: [pending, pop('SIN')],
      }),
    );
    const status = (await t.app.inject('/api/v1/status')).json();
    expect(status).toMatchObject({ worstMs: 60_000, worst: { probe: 'p1', pop: 'LHR' } });
    const lhr = (await t.app.inject('/api/v1/pops')).json().pops.find((p: { pop: string }) => p.pop === 'LHR');
    expect(lhr.current).toMatchObject({ probe: 'p1', roundId: 'p1-r1', kind: 'censored', ms: 60_000 });
    for (const window of ['10m', '2s']) {
      const { worstCase } = (await t.app.inject(`/api/v1/propagation?window=${window}`)).json();
      expect(worstCase, window).toMatchObject({ probe: 'p1', pop: 'LHR', roundId: 'p1-r1', ms: 60_000 });
    }
  });

  test('health, readiness, OpenAPI document and 404s', async () => {
    t = buildTestApp();
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
    const docs = (await t.app.inject('/docs/json')).json();
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/rounds',
        '/api/v1/status',
        '/api/v1/propagation',
        '/api/v1/pops',
        '/api/v1/probes',
      ]),
    );
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400);
    const missing = await t.app.inject('/api/v1/nope?token=secret');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('no route GET /api/v1/nope; see /docs/json');
  });

  test('readiness reports 503 when storage cannot be written', async () => {
    t = buildTestApp();
    await t.app.ready();
    await t.app.store.close();
    const response = await t.app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not ready' });
  });

  test('read token: when configured, read routes and /metrics need it; health stays open', async () => {
    t = buildTestApp({ readToken: READ_TOKEN });
    for (const url of [
      '/api/v1/status',
      '/api/v1/propagation',
      '/api/v1/rounds',
      '/api/v1/pops',
      '/api/v1/probes',
      '/metrics',
    ]) {
      const missing = await t.app.inject(url);
      expect(missing.statusCode, url).toBe(401);
      expect(missing.json().message).toMatch(/missing bearer token/);
      expect(
        (await t.app.inject({ url, headers: { authorization: 'Bearer wrong-token-wrong' } })).statusCode,
        url,
      ).toBe(401);
      expect((await t.app.inject({ url, headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode, url).toBe(
        200,
      );
    }
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
  });
});
