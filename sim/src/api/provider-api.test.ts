import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../index.js';

const TOKEN = 'provider-token-1';
let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({ pops: 1, timeScale: 0, apiToken: TOKEN, adminToken: 'admin-token-1' });
});
afterAll(() => net.close());

interface Body {
  success: boolean;
  errors: Array<{ code: number; message: string; error_chain?: Array<{ code: number; message: string }> }>;
  messages: unknown[];
  result: Record<string, unknown> & Array<Record<string, unknown>>;
  result_info?: Record<string, number>;
}
const request = async (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
) => {
  const response = await net.app.inject({
    method,
    url: `/client/v4${url}`,
    headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json<Body>() };
};
const records = () => `/zones/${net.zoneId}/dns_records`;
const txt = (name: string, content: string, extra: Record<string, unknown> = {}) => ({
  type: 'TXT',
  name,
  content,
  ttl: 60,
  ...extra,
});

/** A failure: the envelope, the status and the first (or chained) code. */
const expectError = (reply: { status: number; body: Body }, status: number, code: number, chained?: number) => {
  expect(reply.status).toBe(status);
  expect(reply.body).toMatchObject({ success: false, messages: [], result: null });
  expect(reply.body.errors[0]?.code).toBe(code);
  if (chained !== undefined) expect(reply.body.errors[0]?.error_chain?.[0]?.code).toBe(chained);
};

describe('provider API happy paths', () => {
  it('finds the zone id by name', async () => {
    const reply = await request('GET', '/zones?name=propwatch.test');
    expect(reply.status).toBe(200);
    expect(reply.body.result.map((z) => z.id)).toEqual([net.zoneId]);
    expect((await request('GET', '/zones?name=other.test')).body.result).toEqual([]);
  });

  it('creates, lists with filters and pages, gets, replaces, patches and deletes a TXT record', async () => {
    const created = await request(
      'POST',
      records(),
      txt('a.propwatch.test', 'propwatch=1 serial=1 probe=a', { comment: 'canary' }),
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      success: true,
      errors: [],
      result: { type: 'TXT', name: 'a.propwatch.test', ttl: 60, comment: 'canary', zone_id: net.zoneId },
    });
    const id = created.body.result.id as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (let i = 0; i < 6; i++)
      expect((await request('POST', records(), txt('b.propwatch.test', `other ${i}`))).status).toBe(200);

    const filtered = await request('GET', `${records()}?type=TXT&name=a.propwatch.test`);
    expect(filtered.body.result.map((r) => r.id)).toEqual([id]);
    const page = await request('GET', `${records()}?name=b.propwatch.test&per_page=5&page=2`);
    expect(page.body.result).toHaveLength(1);
    expect(page.body.result_info).toEqual({ page: 2, per_page: 5, count: 1, total_count: 6, total_pages: 2 });

    expect((await request('GET', `${records()}/${id}`)).body.result.content).toBe('propwatch=1 serial=1 probe=a');
    const put = await request(
      'PUT',
      `${records()}/${id}`,
      txt('a.propwatch.test', 'propwatch=1 serial=2 probe=a', { ttl: 1 }),
    );
    // PUT replaces the whole record: the comment it omits is gone.
    expect(put.body.result).toMatchObject({ content: 'propwatch=1 serial=2 probe=a', ttl: 1, comment: null });
    const patch = await request('PATCH', `${records()}/${id}`, { content: 'propwatch=1 serial=3 probe=a' });
    expect(patch.body.result).toMatchObject({
      content: 'propwatch=1 serial=3 probe=a',
      ttl: 1,
      name: 'a.propwatch.test',
    });
    const versionBefore = net.latestVersion().version;
    const deleted = await request('DELETE', `${records()}/${id}`, '');
    expect(deleted.body).toMatchObject({ success: true, result: { id } });
    expect(net.latestVersion().version).toBe(versionBefore + 1);
    expectError(await request('GET', `${records()}/${id}`), 404, 81044);
  });
});

describe('provider API bad input: the envelope, a 4xx and a Cloudflare code, never 5xx', () => {
  const cases: Array<[string, () => ReturnType<typeof request>, number, number, number?]> = [
    ['missing token', () => request('GET', records(), undefined, {}), 403, 10000],
    ['wrong token', () => request('GET', records(), undefined, { authorization: 'Bearer nope-nope' }), 403, 10000],
    [
      'admin token on the provider API',
      () => request('GET', records(), undefined, { authorization: 'Bearer admin-token-1' }),
      403,
      10000,
    ],
    ['malformed JSON', () => request('POST', records(), '{"type": "TXT",'), 400, 9207],
    ['a JSON array body', () => request('POST', records(), '[1,2]'), 400, 9207],
    [
      'unknown record id',
      () => request('PATCH', `${records()}/0123456789abcdef0123456789abcdef`, { content: 'x' }),
      404,
      81044,
    ],
    ['unknown zone id', () => request('GET', '/zones/ffffffffffffffffffffffffffffffff/dns_records'), 400, 7003],
    ['unknown route', () => request('GET', '/nowhere'), 400, 7000],
    [
      'unsupported type (A)',
      () => request('POST', records(), { type: 'A', name: 'x.propwatch.test', content: '192.0.2.1', ttl: 60 }),
      400,
      1004,
      9007,
    ],
    [
      'invalid type',
      () => request('POST', records(), txt('x.propwatch.test', 'v', { type: 'BOGUS' })),
      400,
      1004,
      9007,
    ],
    ['name outside the zone', () => request('POST', records(), txt('x.example.com', 'v')), 400, 1004, 9000],
    [
      'content over 2048 characters',
      () => request('POST', records(), txt('x.propwatch.test', 'a'.repeat(2049))),
      400,
      1004,
      9005,
    ],
    ['non-printable content', () => request('POST', records(), txt('x.propwatch.test', 'bell\u0007')), 400, 1004, 9051],
    [
      'ttl below the minimum',
      () => request('POST', records(), txt('x.propwatch.test', 'v', { ttl: 10 })),
      400,
      1004,
      9021,
    ],
    [
      'ttl not an integer',
      () => request('POST', records(), txt('x.propwatch.test', 'v', { ttl: '60' })),
      400,
      1004,
      9021,
    ],
    ['proxied TXT', () => request('POST', records(), txt('x.propwatch.test', 'v', { proxied: true })), 400, 1004, 9004],
    ['oversized body', () => request('POST', records(), txt('x.propwatch.test', 'a'.repeat(70_000))), 413, 9207],
  ];
  for (const [what, send, status, code, chained] of cases) {
    it(what, async () => expectError(await send(), status, code, chained));
  }

  it('an identical record is refused with 81058', async () => {
    expect((await request('POST', records(), txt('dup.propwatch.test', 'same'))).status).toBe(200);
    expectError(await request('POST', records(), txt('dup.propwatch.test', 'same')), 400, 81058);
  });

  it('a bad write commits no zone version', async () => {
    const before = net.latestVersion().version;
    await request('POST', records(), txt('x.example.com', 'v'));
    expect(net.latestVersion().version).toBe(before);
  });
});

describe('API fault injection', () => {
  it('fails the next N provider requests with 429 + Retry-After, then recovers', async () => {
    net.setApiFault({ status: 429, count: 2, retryAfterS: 3 });
    for (let i = 0; i < 2; i++) {
      const reply = await request('GET', '/zones?name=propwatch.test');
      expectError(reply, 429, 971);
      expect(reply.headers['retry-after']).toBe('3');
    }
    expect((await request('GET', '/zones?name=propwatch.test')).status).toBe(200);
  });

  it('is settable through the admin API with 5xx statuses and validated', async () => {
    const admin = (method: 'PUT' | 'GET', payload?: unknown) =>
      net.app.inject({
        method,
        url: '/admin/api-fault',
        headers: { authorization: 'Bearer admin-token-1', 'content-type': 'application/json' },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });
    expect((await admin('PUT', { status: 503, count: 1 })).statusCode).toBe(200);
    expectError(await request('GET', records()), 503, 1000);
    expect((await request('GET', records())).status).toBe(200);
    const bad = await admin('PUT', { status: 404 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Body>().errors[0]?.message).toBe('status must be one of 429, 500, 502, 503, got 404');
  });
});

describe('repeated query parameters', () => {
  it('are refused with a 400 in the envelope, not a crash', async () => {
    const net = await startSimNetwork({ pops: 1 });
    try {
      const response = await net.app.inject({
        url: `/client/v4/zones/${net.zoneId}/dns_records?name.exact=a&name.exact=b`,
        headers: { authorization: `Bearer ${net.apiToken}` },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        success: false,
        errors: [{ code: 1001, message: 'query parameter "name.exact" is given more than once' }],
      });
    } finally {
      await net.close();
    }
  });
});
