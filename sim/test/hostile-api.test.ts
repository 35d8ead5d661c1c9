/**
 * The sim's HTTP routes — provider API under /client/v4 and admin API under
 * /admin, plus /metrics — under property-based hostile requests (issue 9,
 * item 2): near-valid record bodies with one mutation, random JSON and bytes,
 * random content types, tokens, methods, ids and query strings. Never a 5xx
 * (no API fault is left injected); every 4xx is the Cloudflare envelope with
 * a message; a rejected request changes nothing (records, faults, API fault).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';

const TOKEN = 'hostile-api-token-1';
const ADMIN = 'hostile-admin-token-1';
let net: SimNetwork;
const counts: Record<string, number> = {};

beforeAll(async () => {
  net = await startSimNetwork({ pops: 3, timeScale: 0, apiToken: TOKEN, adminToken: ADMIN });
});
afterAll(async () => {
  console.info('[hostile sim api]', JSON.stringify(counts));
  await net?.close();
});

/** Everything a request could change: records, POP faults, the API fault. */
async function snapshot(): Promise<string> {
  const get = async (url: string, token: string) =>
    (await net.app.inject({ url, headers: { authorization: `Bearer ${token}` } })).body;
  const pops = JSON.parse(await get('/admin/pops', ADMIN)) as { result: { name: string; fault: unknown }[] };
  return JSON.stringify([
    await get(`/client/v4/zones/${net.zoneId}/dns_records?per_page=5000`, TOKEN),
    pops.result.map((p) => [p.name, p.fault]),
    await get('/admin/api-fault', ADMIN),
  ]);
}

const recordBody = fc.record(
  {
    type: fc.oneof(fc.constant('TXT'), fc.constantFrom('txt', 'A', 'MX', '', 'BOGUS'), fc.jsonValue({ maxDepth: 1 })),
    name: fc.oneof(
      fc.constantFrom(
        'p1._propwatch.propwatch.test',
        'propwatch.test',
        '@',
        'evil.example.com',
        '',
        '.'.repeat(300),
        '<script>.propwatch.test',
      ),
      fc.string({ maxLength: 30 }).map((s) => `${s}.propwatch.test`),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    content: fc.oneof(
      fc.constant('propwatch=1 serial=1 probe=p1'),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.constant('x'.repeat(3000)),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    ttl: fc.oneof(fc.constantFrom(1, 30, 60, 86_400, 86_401, 0, -1, 1.5, 1e308), fc.jsonValue({ maxDepth: 1 })),
    comment: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('c'.repeat(600)), fc.jsonValue({ maxDepth: 1 })),
    proxied: fc.boolean(),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
const faultBody = fc.oneof(
  fc.record(
    {
      kind: fc.constantFrom('slow', 'stuck', 'down', 'flaky', 'SLOW', '', 'melt'),
      extraMs: fc.oneof(fc.integer(), fc.double()),
      dropRate: fc.oneof(fc.double(), fc.integer()),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      status: fc.oneof(fc.constantFrom(429, 500, 502, 503, 200, 404), fc.jsonValue({ maxDepth: 1 })),
      count: fc.oneof(fc.integer(), fc.double()),
      retryAfterS: fc.oneof(fc.integer(), fc.double()),
    },
    { requiredKeys: [] },
  ),
);
const body = fc.oneof(
  recordBody.map((b) => JSON.stringify(b)),
  faultBody.map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b)),
  fc.constantFrom('{"a":'.repeat(3000), '[', '', 'x'.repeat(70 * 1024)),
);
const segment = fc.oneof(
  fc.constantFrom('LHR', 'lhr', 'SJC', 'XXX', '..', '%00', '0'.repeat(32), 'ffffffffffffffffffffffffffffffff'),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{1,40}$/),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('name', 'type', 'content', 'page', 'per_page', 'name.exact', 'serial', 'match'),
      fc.oneof(
        fc.constantFrom('propwatch.test', 'TXT', '-1', '0', '1e9', '99999999999999999999999', '%ff', ''),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
      ),
    ),
    { maxLength: 3 },
  )
  .map((p) => (p.length ? `?${p.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
const url = fc.oneof(
  fc.tuple(query).map(([q]) => `/client/v4/zones${q}`),
  fc.tuple(segment, query).map(([id, q]) => `/client/v4/zones/${id}${q}`),
  fc.tuple(fc.boolean(), query).map(([real, q]) => `/client/v4/zones/${real ? '@ZONE' : 'abc'}/dns_records${q}`),
  fc.tuple(fc.boolean(), segment).map(([real, id]) => `/client/v4/zones/${real ? '@ZONE' : 'abc'}/dns_records/${id}`),
  fc.constant('/client/v4/zones/@ZONE/dns_records/@RECORD'),
  fc.tuple(segment).map(([pop]) => `/admin/pops/${pop}/fault`),
  fc.constantFrom(
    '/admin/pops',
    '/admin/api-fault',
    '/admin/truth/log',
    '/metrics',
    '/admin/nothing',
    '/client/v4/nothing',
    '/',
  ),
  query.map((q) => `/admin/truth${q}`),
);
const auth = fc.option(
  fc.oneof(
    fc.constantFrom(
      `Bearer ${TOKEN}`,
      `Bearer ${ADMIN}`,
      `bearer ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      'Bearer',
      `Basic ${TOKEN}`,
    ),
    fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
  ),
);
const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ),
    fc.stringMatching(/^[\x21-\x7e]{1,30}$/),
  ),
);

describe('sim HTTP routes with hostile requests', () => {
  it('never answer 5xx, explain every 4xx in the Cloudflare envelope, and change nothing when they refuse', async () => {
    const first = await net.app.inject({
      method: 'POST',
      url: `/client/v4/zones/${net.zoneId}/dns_records`,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: { type: 'TXT', name: 'seed.propwatch.test', content: 'seed', ttl: 60 },
    });
    const recordId = first.json<{ result: { id: string } }>().result.id;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        url,
        auth,
        contentType,
        fc.option(body),
        async (method, rawUrl, authorization, type, payload) => {
          const target = rawUrl.replace('@ZONE', net.zoneId).replace('@RECORD', recordId);
          const headers: Record<string, string> = {};
          if (authorization !== null) headers.authorization = authorization;
          if (type !== null) headers['content-type'] = type;
          const mutating = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
          const before = mutating ? await snapshot() : '';
          const response = await net.app.inject({
            method: method as 'GET',
            url: target,
            headers,
            ...(payload !== null && mutating ? { payload } : {}),
          });
          const status = response.statusCode;
          counts[status] = (counts[status] ?? 0) + 1;
          expect(status, `${method} ${target} → ${response.body.slice(0, 200)}`).toBeLessThan(500);
          if (status >= 400 && method !== 'HEAD') {
            const envelope = response.json<{ success: boolean; errors: { code: number; message: string }[] }>();
            expect(envelope.success).toBe(false);
            expect(envelope.errors[0]?.message).toMatch(/\S/);
            if (mutating) expect(await snapshot(), `${method} ${target} was refused but changed state`).toBe(before);
          }
          // A fault a random request managed to set is cleared, so the next request is judged on its own.
          if (status < 300 && target.startsWith('/admin/')) {
            await net.app.inject({
              method: 'DELETE',
              url: '/admin/api-fault',
              headers: { authorization: `Bearer ${ADMIN}` },
            });
            for (const pop of net.pops) net.setFault(pop.name, null);
          }
        },
      ),
      { numRuns: 3500 },
    );
  });
});
