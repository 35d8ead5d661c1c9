import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusFetcher, statusUrl } from '../src/status-fetcher.js';

const goodStatus = {
  state: 'alarm',
  since: '2025-01-01T00:00:00.000Z',
  worstMs: 45000,
  thresholdMs: 30000,
  worst: { probe: 'fra-1', pop: 'LHR' },
  probes: { fresh: 3, expected: 3 },
  reason: 'LHR 45 s over 30 s',
  updatedAt: '2025-01-01T00:00:01.000Z',
};

let app: FastifyInstance;
let base: string;
let mode: 'good' | 'newer' | 'error' | 'badjson' | 'badshape' | 'slow' | 'stall' | 'huge' = 'good';
const seenAuth: Array<string | undefined> = [];

beforeAll(async () => {
  app = Fastify();
  app.get('/prefix/api/v1/status', async (request, reply) => {
    seenAuth.push(request.headers.authorization);
    if (mode === 'error') return reply.code(500).send({ error: 'boom' });
    if (mode === 'badjson') return reply.type('application/json').send('{"state": "ok",');
    if (mode === 'badshape') return { ...goodStatus, state: 'fine' };
    if (mode === 'huge') return { ...goodStatus, reason: 'x'.repeat(2 << 20) };
    if (mode === 'newer') return { ...goodStatus, fieldOfALaterAggregator: { any: 'shape' } };
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 400));
    if (request.headers.authorization !== undefined && request.headers.authorization !== 'Bearer read-secret')
      return reply
        .code(401)
        .send({ statusCode: 401, error: 'Unauthorized', message: 'wrong read token', code: 'PROPWATCH_UNAUTHORIZED' });
    return goodStatus;
  });
  base = (await app.listen({ port: 0, host: '127.0.0.1' })) + '/prefix/';
});
afterAll(async () => {
  await app.close();
});

describe('createStatusFetcher against a real HTTP server', () => {
  it('builds the URL keeping a path prefix', () => {
    expect(statusUrl('http://h:1/p/')).toBe('http://h:1/p/api/v1/status');
  });

  it('returns a validated status and sends the read token as a bearer token', async () => {
    mode = 'good';
    const result = await createStatusFetcher({ url: base, readToken: 'read-secret', timeoutMs: 2000 })();
    expect(result).toEqual({ ok: true, status: goodStatus });
    expect(seenAuth.at(-1)).toBe('Bearer read-secret');
  });

  it('reads the status of a newer aggregator that added a top-level field (beacons upgrade last)', async () => {
    mode = 'newer';
    const result = await createStatusFetcher({ url: base, timeoutMs: 2000 })();
    expect(result).toMatchObject({ ok: true, status: { state: 'alarm', reason: goodStatus.reason } });
  });

  it('refuses a body over 1 MiB without reading it all', async () => {
    mode = 'huge';
    const result = await createStatusFetcher({ url: base, timeoutMs: 10_000 })();
    expect(result).toEqual({
      ok: false,
      reason: `the answer from ${base}api/v1/status is longer than 1048576 bytes`,
    });
  });

  it('sends no authorization header without a token', async () => {
    mode = 'good';
    const result = await createStatusFetcher({ url: base, timeoutMs: 2000 })();
    expect(result.ok).toBe(true);
    expect(seenAuth.at(-1)).toBeUndefined();
  });

  it('a rejected token is a failure that points at the config key', async () => {
    mode = 'good';
    const result = await createStatusFetcher({ url: base, readToken: 'wrong', timeoutMs: 2000 })();
    // The aggregator's own reason, then where to look.
    expect(result).toEqual({
      ok: false,
      reason: `HTTP 401 from ${base}api/v1/status: wrong read token (check aggregator.readToken)`,
      // The token is the same for every replica: another URL would refuse it too.
      failover: false,
    });
  });

  it.each([
    ['error', /HTTP 500/],
    ['badjson', /invalid JSON/],
    ['badshape', /^body is not a Status: body\.state: expected one of ok, alarm, stale, degraded \(got "fine"\)$/],
  ] as const)('%s is a failure with a reason', async (which, reason) => {
    mode = which;
    const result = await createStatusFetcher({ url: base, timeoutMs: 2000 })();
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    // Only the 5xx is worth another replica; a broken body is not a sign the next URL answers better.
    expect(!result.ok && result.failover === true).toBe(which === 'error');
  });

  it('a slow server times out', async () => {
    mode = 'slow';
    const result = await createStatusFetcher({ url: base, timeoutMs: 100 })();
    expect(result).toEqual({
      ok: false,
      reason: `no answer from ${base}api/v1/status: timeout after 100 ms`,
      failover: true,
    });
  });

  it('a closed port is a failure, not an exception', async () => {
    const closed = Fastify();
    const address = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const result = await createStatusFetcher({ url: address, timeoutMs: 2000 })();
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^no answer from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/status: ECONNREFUSED: /),
    });
  });

  it('a port fetch refuses to use says so, not just "fetch failed"', async () => {
    const result = await createStatusFetcher({ url: 'http://127.0.0.1:9', timeoutMs: 2000 })();
    expect(result).toEqual({
      ok: false,
      reason:
        'no answer from http://127.0.0.1:9/api/v1/status: bad port: fetch refuses this port (a "bad port" of the fetch standard); use another port',
      failover: true,
    });
  });
});
