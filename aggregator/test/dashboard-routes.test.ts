import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/dashboard/security-headers.js';
import { buildWorstHistory } from '../src/dashboard/worst-history.js';
import type { StoredRound } from '../src/storage/round-store.js';
import { READ_TOKEN, T0, type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
afterEach(async () => t?.cleanup());

const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toBe(EXPECTED_CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

describe('dashboard page and assets', () => {
  it('serves the page at / with the strict CSP and no inline script or style', async () => {
    t = buildTestApp();
    const page = await t.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page.headers);
    expect(CONTENT_SECURITY_POLICY).toBe(EXPECTED_CSP);
    expect(page.body).toContain('<script src="/assets/dashboard.js" type="module"></script>');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it.each([
    ['/assets/dashboard.js', 'text/javascript; charset=utf-8', 'renderPopTable'],
    ['/assets/pop-table.js', 'text/javascript; charset=utf-8', 'textContent'],
    ['/assets/dashboard.css', 'text/css; charset=utf-8', '.banner'],
    ['/assets/vendor/uPlot.iife.min.js', 'text/javascript; charset=utf-8', 'uPlot'],
    ['/assets/vendor/uPlot.min.css', 'text/css; charset=utf-8', '.uplot'],
  ])('serves %s as %s with the security headers', async (url, type, marker) => {
    t = buildTestApp();
    const asset = await t.app.inject(url);
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe(type);
    expectSecurityHeaders(asset.headers);
    expect(asset.body).toContain(marker);
    const again = await t.app.inject({ url, headers: { 'if-none-match': String(asset.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('never renders with innerHTML or eval-like APIs in its own scripts', async () => {
    t = buildTestApp();
    for (const name of [
      'dashboard',
      'pop-table',
      'rounds-list',
      'banner',
      'chart',
      'format',
      'api-client',
      'range-picker',
    ]) {
      const body = (await t.app.inject(`/assets/${name}.js`)).body;
      expect(body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });

  it('answers 404 for names outside the asset table, including traversal attempts', async () => {
    t = buildTestApp();
    for (const url of [
      '/assets/../package.json',
      '/assets/%2e%2e/src/app.ts',
      '/assets/vendor/uPlot.esm.js',
      '/assets/nope.js',
      '/index.html',
    ]) {
      expect((await t.app.inject(url)).statusCode, url).toBe(404);
    }
  });

  it('serves the page without the read token but keeps the data behind it', async () => {
    t = buildTestApp({ readToken: READ_TOKEN });
    expect((await t.app.inject('/')).statusCode).toBe(200);
    expect((await t.app.inject('/api/v1/history')).statusCode).toBe(401);
    const authorized = await t.app.inject({
      url: '/api/v1/history',
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    expect(authorized.statusCode).toBe(200);
  });
});

describe('GET /api/v1/history', () => {
  it('returns the worst POP of each round in time order, with the thresholds', async () => {
    t = buildTestApp({ status: { alarmAboveMs: 5_000, clearBelowMs: 2_000 } });
    await ingest(
      t.app,
      report('p1', { pops: [pop('LHR'), pop('SYD', { lowerMs: 2900, upperMs: 3100, estimateMs: 3000 })] }),
      'p1',
    );
    t.clock.advance(1_000);
    await ingest(
      t.app,
      report('p2', {
        state: 'running',
        elapsedMs: 4_000,
        pops: [pop('LHR'), pop('FRA', { state: 'pending', lowerMs: 4000, upperMs: undefined, estimateMs: undefined })],
      }),
      'p2',
    );
    t.clock.advance(500);
    const body = (await t.app.inject('/api/v1/history?window=10m')).json();
    expect(body).toMatchObject({ windowMs: 600_000, alarmAboveMs: 5_000, clearBelowMs: 2_000 });
    expect(body.points).toEqual([
      { at: T0, probe: 'p1', round: 'p1-r1', roundState: 'complete', pop: 'SYD', worstMs: 3000, kind: 'measured' },
      // Running round: the pending lower bound grows with the aggregator's clock since the report.
      {
        at: T0 + 1_000,
        probe: 'p2',
        round: 'p2-r1',
        roundState: 'running',
        pop: 'FRA',
        worstMs: 4500,
        kind: 'lower-bound',
      },
    ]);
  });

  it.each([['0'], ['500ms'], ['31d'], ['soon'], ['-5m'], ['x'.repeat(40)]])(
    'rejects window=%s with a 400 naming the parameter',
    async (window) => {
      t = buildTestApp();
      const response = await t.app.inject(`/api/v1/history?window=${encodeURIComponent(window)}`);
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toMatch(/querystring|query\.window/);
    },
  );

  it('rejects unknown query parameters', async () => {
    t = buildTestApp();
    const response = await t.app.inject('/api/v1/history?limit=3');
    expect(response.statusCode).toBe(400);
  });
});

describe('buildWorstHistory', () => {
  const round = (id: string, at: number, state: StoredRound['state'], ms: number): StoredRound => ({
    ...report('p1', {
      id,
      state,
      pops: state === 'write_failed' ? [] : [pop('LHR', { estimateMs: ms, lowerMs: ms - 10, upperMs: ms + 10 })],
    }).round,
    probe: { id: 'p1', region: 'r', version: '1' },
    firstReceivedAt: at,
    receivedAt: at,
  });

  it('skips write_failed rounds and keeps only the newest maxPoints', () => {
    const rounds = [
      round('c', 3, 'complete', 30),
      round('a', 1, 'complete', 10),
      round('w', 2, 'write_failed', 0),
      round('b', 2, 'complete', 20),
    ];
    const points = buildWorstHistory(rounds, { now: 10, maxExtrapolationMs: 1000, maxPoints: 2 });
    expect(points.map((p) => [p.round, p.worstMs])).toEqual([
      ['b', 20],
      ['c', 30],
    ]);
  });

  it("does not dip while a POP stays stuck: a running round carries the previous round's timeout, as the status does", () => {
    const timedOut: StoredRound = {
      ...report('p1', {
        id: 'r1',
        serial: '100',
        pops: [pop('LHR', { state: 'timeout', lowerMs: 3_000, upperMs: undefined, estimateMs: undefined })],
      }).round,
      probe: { id: 'p1', region: 'r', version: '1' },
      firstReceivedAt: 1_000,
      receivedAt: 4_000,
    };
    const running: StoredRound = {
      ...report('p1', {
        id: 'r2',
        serial: '200',
        state: 'running',
        pops: [pop('LHR', { state: 'pending', lowerMs: 100, upperMs: undefined, estimateMs: undefined })],
      }).round,
      probe: { id: 'p1', region: 'r', version: '1' },
      firstReceivedAt: 5_000,
      receivedAt: 5_000,
    };
    // Given newest first (as a window read may): the order comes from the serials.
    const points = buildWorstHistory([running, timedOut], { now: 5_000, maxExtrapolationMs: 1000, maxPoints: 10 });
    expect(points.map((p) => [p.round, p.pop, p.worstMs, p.kind])).toEqual([
      ['r1', 'LHR', 3_000, 'censored'],
      ['r2', 'LHR', 3_000, 'censored'],
    ]);
  });
});
