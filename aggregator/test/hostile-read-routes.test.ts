/**
 * Every aggregator route other than ingest under property-based hostile
 * requests (issue 9, item 2): random methods, paths, query strings, headers
 * and bodies against the read API (status, propagation, rounds, pops,
 * probes, history, matrix, alarms), /metrics, /healthz, /readyz, /docs/json and the
 * dashboard with its assets. Never a 5xx; every 4xx is JSON with a message;
 * nothing is committed (except /readyz's own probe write); with a read token
 * set, protected routes answer 200 only with that token; the page and its
 * assets always carry the strict Content-Security-Policy.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, READ_TOKEN, buildTestApp, ingest, report, tempDir } from './helpers.js';
import { contentType, headerValue, randomBody } from './hostile-http-bodies.js';

const PROTECTED = [
  '/api/v1/status',
  '/api/v1/propagation',
  '/api/v1/rounds',
  '/api/v1/pops',
  '/api/v1/probes',
  '/api/v1/history',
  '/api/v1/matrix',
  '/api/v1/alarms',
  '/metrics',
];
const OPEN = [
  '/healthz',
  '/readyz',
  '/docs/json',
  '/',
  '/assets/dashboard.js',
  '/assets/dashboard.css',
  '/assets/vendor/uPlot.iife.min.js',
  '/index.html',
  '/assets/../package.json',
  '/docs',
];
const CSP = "default-src 'none'";

let t: TestApp;
let db: Database.Database;
const temp = tempDir();
const counts: Record<string, number> = {};

beforeAll(async () => {
  const dbPath = join(temp.dir, 'read.db');
  t = buildTestApp({ readToken: READ_TOKEN, storage: { path: dbPath, synchronous: 'normal' } }, { dbPath });
  for (const [probe, id] of [
    ['p1', 'r1'],
    ['p2', 'r2'],
    ['p1', 'r3'],
  ] as const)
    expect((await ingest(t.app, report(probe, { id }), probe)).statusCode).toBe(200);
  db = new Database(dbPath, { readonly: true });
});
afterAll(async () => {
  console.info('[hostile read routes]', JSON.stringify(counts));
  db?.close();
  await t.cleanup();
  temp.cleanup();
});

const queryValue = fc.oneof(
  fc.constantFrom(
    '10m',
    '90s',
    '1h',
    '2d',
    '0',
    '-1',
    '1e309',
    'NaN',
    '99999999999999999999',
    '',
    '%00',
    '%ff',
    '<script>',
    'p1',
    "p1' OR 1=1 --",
    '500',
    '501',
    '1.5',
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 10 }).map((s) => s.replace(/[#&=\s?]/g, '')),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('window', 'limit', 'probe', 'token', '__proto__', 'window[]', 'limit[a]'),
        fc.stringMatching(/^[a-z_]{1,8}$/),
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PROTECTED) },
  { weight: 3, arbitrary: fc.constantFrom(...OPEN) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTECTED, ...OPEN).map((p) => `${p}/x`) },
  { weight: 1, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9._~%/-]{0,40}$/) },
);
const authorization = fc.option(
  fc.oneof(
    fc.constant(`Bearer ${READ_TOKEN}`),
    fc.constantFrom(
      `Bearer ${READ_TOKEN}x`,
      `bearer ${READ_TOKEN}`,
      `Basic ${READ_TOKEN}`,
      'Bearer token-of-probe-one-0001',
    ),
    headerValue,
  ),
);
const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH');
const extraHeaders = fc.record({
  'if-none-match': fc.option(headerValue),
  accept: fc.option(headerValue),
  'content-type': fc.option(contentType),
  'x-forwarded-for': fc.option(headerValue),
});

describe('read routes, dashboard and operational endpoints with hostile requests', () => {
  it('never answer 5xx, always explain a 4xx in JSON, store nothing, and honour the read token', async () => {
    await t.app.ready();
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        queryString,
        authorization,
        extraHeaders,
        fc.option(randomBody),
        async (m, p, q, auth, extra, body) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(extra)) if (value !== null && value !== '') headers[name] = value;
          if (auth !== null) headers.authorization = auth;
          const before = db.pragma('data_version', { simple: true });
          const response = await t.app.inject({
            method: m as 'GET',
            url: p + q,
            headers,
            ...(body !== null && m !== 'GET' && m !== 'HEAD' ? { payload: body } : {}),
          });
          const status = response.statusCode;
          counts[status] = (counts[status] ?? 0) + 1;
          expect(status, `${m} ${p}${q} → ${response.body.slice(0, 200)}`).toBeLessThan(500);
          if (status >= 400 && m !== 'HEAD') {
            expect(response.headers['content-type']).toMatch(/^application\/json/);
            expect(response.json<{ message?: string }>().message ?? '').toMatch(/\S/);
          }
          if (!p.startsWith('/readyz'))
            expect(db.pragma('data_version', { simple: true }), `${m} ${p} committed something`).toBe(before);
          if (PROTECTED.includes(p) && status < 400)
            expect(auth?.trim()).toMatch(new RegExp(`^bearer\\s+${READ_TOKEN}$`, 'i'));
          if ((p === '/' || p.startsWith('/assets/')) && status < 400)
            expect(response.headers['content-security-policy']).toContain(CSP);
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('every protected route answers 200 with the read token and 401 without', async () => {
    for (const url of PROTECTED) {
      expect((await t.app.inject({ url, headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode, url).toBe(
        200,
      );
      expect((await t.app.inject({ url })).statusCode, url).toBe(401);
    }
  });

  it('the API output never echoes a probe token or the read token', async () => {
    for (const url of [...PROTECTED, '/docs/json', '/healthz']) {
      const body = (await t.app.inject({ url, headers: { authorization: `Bearer ${READ_TOKEN}` } })).body;
      for (const secret of [
        'token-of-probe-one-0001',
        'token-of-probe-two-0002',
        'token-of-probe-three-003',
        READ_TOKEN,
      ])
        expect(body, url).not.toContain(secret);
    }
  });
});
