/**
 * httpFetch (node:http in place of the global fetch, for the daemon's memory) against real HTTP servers: the
 * status fetcher reads the same statuses and fails with the same reasons as with fetch, redirects are followed
 * as fetch follows them, and a response body streams (the event stream reads it).
 */
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../src/http-fetch.js';
import { createStatusFetcher } from '../src/status-fetcher.js';

const goodStatus = {
  state: 'ok',
  since: '2025-01-01T00:00:00.000Z',
  worstMs: 1200,
  thresholdMs: 30000,
  worst: { probe: 'fra-1', pop: 'LHR' },
  probes: { fresh: 3, expected: 3 },
  reason: 'all POPs within 30 s',
  updatedAt: '2025-01-01T00:00:01.000Z',
};
const DENIED = { statusCode: 401, error: 'Unauthorized', message: 'wrong read token', code: 'PROPWATCH_UNAUTHORIZED' };
const fetchOverHttp = httpFetch as typeof fetch;
const seenAuth: Array<string | undefined> = [];

function listen(handler: (path: string, res: ServerResponse) => void): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    handler(req.url ?? '', res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

let main: { server: Server; base: string };
let other: { server: Server; base: string };

beforeAll(async () => {
  other = await listen((path, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(goodStatus)),
  );
  main = await listen((path, res) => {
    if (path === '/ok/api/v1/status')
      return res.writeHead(200, { 'x-two': ['a', 'b'] }).end(JSON.stringify(goodStatus));
    if (path === '/denied/api/v1/status') return res.writeHead(401).end(JSON.stringify(DENIED));
    if (path === '/stall/api/v1/status') return res.writeHead(200).write('{"state":'); // and never ends
    if (path === '/same/api/v1/status') return res.writeHead(302, { location: '/ok/api/v1/status' }).end();
    if (path === '/away/api/v1/status') return res.writeHead(307, { location: `${other.base}/api/v1/status` }).end();
    if (path === '/loop/api/v1/status') return res.writeHead(302, { location: '/loop/api/v1/status' }).end();
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 20);
      return;
    }
    res.writeHead(404).end();
  });
});
afterAll(() => {
  for (const { server } of [main, other]) server.closeAllConnections();
  return Promise.all([main, other].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

const fetchStatus = (path: string, options: { readToken?: string; timeoutMs?: number } = {}) =>
  createStatusFetcher({ url: `${main.base}${path}`, timeoutMs: 2000, ...options, fetch: fetchOverHttp })();

describe('httpFetch behind the status fetcher', () => {
  it('reads a status and sends the read token', async () => {
    expect(await fetchStatus('/ok', { readToken: 'read-secret' })).toEqual({ ok: true, status: goodStatus });
    expect(seenAuth.at(-1)).toBe('Bearer read-secret');
  });

  it('an HTTP error keeps the aggregator reason and the hint', async () => {
    expect(await fetchStatus('/denied', { readToken: 'wrong' })).toEqual({
      ok: false,
      failover: false,
      reason: `HTTP 401 from ${main.base}/denied/api/v1/status: wrong read token (check aggregator.readToken)`,
    });
  });

  it('a server that stalls after its headers times out with the same reason as fetch', async () => {
    expect(await fetchStatus('/stall', { timeoutMs: 100 })).toEqual({
      ok: false,
      failover: true,
      reason: `no answer from ${main.base}/stall/api/v1/status: timeout after 100 ms`,
    });
  });

  it('a closed port is ECONNREFUSED with its message', async () => {
    const closed = await listen(() => undefined);
    await new Promise((resolve) => closed.server.close(resolve));
    expect(await createStatusFetcher({ url: closed.base, timeoutMs: 2000, fetch: fetchOverHttp })()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^no answer from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/status: ECONNREFUSED: /),
    });
  });
});

describe('httpFetch as fetch', () => {
  it('follows a same-origin redirect with the token, and drops the token when the origin changes', async () => {
    expect(await fetchStatus('/same', { readToken: 'read-secret' })).toEqual({ ok: true, status: goodStatus });
    expect(seenAuth.slice(-2)).toEqual(['Bearer read-secret', 'Bearer read-secret']);
    expect(await fetchStatus('/away', { readToken: 'read-secret' })).toEqual({ ok: true, status: goodStatus });
    expect(seenAuth.slice(-2)).toEqual(['Bearer read-secret', undefined]);
  });

  it('stops after 20 redirects', async () => {
    const before = seenAuth.length;
    expect(await fetchStatus('/loop')).toEqual({
      ok: false,
      failover: true,
      reason: `no answer from ${main.base}/loop/api/v1/status: fetch failed: redirect count exceeded`,
    });
    expect(seenAuth.length - before).toBe(21);
  });

  it('joins a repeated header and streams a body as it arrives', async () => {
    const ok = await httpFetch(`${main.base}/ok/api/v1/status`);
    expect(ok.headers.get('X-Two')).toBe('a, b');
    expect(ok.headers.get('x-none')).toBeNull();
    await ok.text();
    const events = await httpFetch(`${main.base}/events`);
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += decoder.decode(chunk.value, { stream: true });
    expect(text).toBe(': one\n\ndata: two\n\n');
  });
});
