/**
 * GET /api/v1/status/stream over real sockets (issue 18 item 1): the aggregator listens on a loopback port and
 * a real HTTP client reads the stream frame by frame (sse-client.ts). Each test waits for frames, never for
 * time; the coalescing window and the heartbeat timer are checked with fake timers in stream-units.test.ts.
 */
import { type Server, createServer } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { SseBroadcaster } from '../src/stream/sse-broadcaster.js';
import { READ_TOKEN, TOKENS, type TestApp, buildTestApp, ingest, report } from './helpers.js';
import { type SseConnection, type SseFrame, openStream } from './sse-client.js';

const AUTH = { authorization: `Bearer ${READ_TOKEN}` };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listening(overrides: Record<string, unknown> = {}): Promise<TestApp & { port: number }> {
  const t = buildTestApp({ readToken: READ_TOKEN, ...overrides });
  cleanups.push(t.cleanup);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { ...t, port: address.port };
}

async function stream(port: number, headers: Record<string, string> = AUTH): Promise<SseConnection> {
  const connection = await openStream(port, headers);
  cleanups.push(() => connection.close());
  return connection;
}

const isEvent = (frame: SseFrame) => frame.event === 'status';
const seq = (id: string | undefined) => Number(id?.slice(id.lastIndexOf('-') + 1));
const boot = (id: string | undefined) => id?.slice(0, id.lastIndexOf('-'));
const polled = async (app: FastifyInstance) => (await app.inject({ url: '/api/v1/status', headers: AUTH })).body;

test('a subscriber gets the headers, the retry line and the current status at once, byte for byte the poll body', async () => {
  const t = await listening({ http: { sseRetryMs: 2500 } });
  const s = await stream(t.port);
  expect(s.response.statusCode).toBe(200);
  expect(s.response.headers).toMatchObject({
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  const first = await s.next();
  expect(first.raw).toBe('retry: 2500');
  const event = await s.next();
  expect(event.event).toBe('status');
  expect(event.id).toMatch(/^[A-Za-z0-9_]{8}-\d+$/);
  expect(event.data).toBe(await polled(t.app));
  expect(JSON.parse(event.data!)).toMatchObject({ state: 'stale', probes: { fresh: 0, expected: 3 } });
});

test('a status change is pushed as the next event: a later id of the same boot, the new poll body', async () => {
  const t = await listening();
  const s = await stream(t.port);
  const initial = await s.nextMatching(isEvent);
  expect((await ingest(t.app, report('p1'))).statusCode).toBe(200);
  const changed = await s.nextMatching(isEvent);
  expect(boot(changed.id)).toBe(boot(initial.id));
  expect(seq(changed.id)).toBeGreaterThan(seq(initial.id));
  expect(JSON.parse(changed.data!)).toMatchObject({ probes: { fresh: 1, expected: 3 } });
  // A burst: whatever the coalescing merged, ids only grow and the last event is the latest body.
  for (const probe of ['p2', 'p3']) expect((await ingest(t.app, report(probe), probe)).statusCode).toBe(200);
  let last = changed;
  while (JSON.parse(last.data!).probes.fresh !== 3) {
    const next = await s.nextMatching(isEvent);
    expect(seq(next.id)).toBeGreaterThan(seq(last.id));
    last = next;
  }
  expect(last.data).toBe(await polled(t.app));
});

test('an evaluation that changes nothing but updatedAt sends no event; the next real change does', async () => {
  const t = await listening({ http: { sseHeartbeatMs: 100 } });
  const s = await stream(t.port);
  const initial = await s.nextMatching(isEvent);
  t.clock.advance(1_000);
  t.app.statusTracker.evaluate(); // updatedAt moves, nothing else
  // Two heartbeats later (each written after any pending event), still no event.
  await s.nextMatching((frame) => frame.comment?.startsWith('hb') ?? false);
  await s.nextMatching((frame) => frame.comment?.startsWith('hb') ?? false);
  await ingest(t.app, report('p1'));
  const next = await s.next();
  expect(next.event).toBe('status');
  expect(seq(next.id)).toBe(seq(initial.id) + 1);
});

test('heartbeats: a comment with the aggregator clock, every http.sseHeartbeatMs', async () => {
  const t = await listening({ http: { sseHeartbeatMs: 100 } });
  const s = await stream(t.port);
  await s.nextMatching(isEvent);
  const hb = await s.next();
  expect(hb.raw).toBe(`: hb ${t.clock.now()}`);
  t.clock.advance(5_000);
  expect((await s.next()).raw).toBe(`: hb ${t.clock.now()}`);
});

test('heartbeats keep a quiet stream open past requestTimeoutMs and idleTimeoutMs (heartbeat clamped to idle/2)', async () => {
  // The configured heartbeat (15 s) is longer than the idle timeout: the stream would be closed as idle without
  // the clamp. requestTimeoutMs is shorter still: it covers receiving the request, not the response.
  const t = await listening({
    http: { requestTimeoutMs: 300, headersTimeoutMs: 200, keepAliveTimeoutMs: 100, idleTimeoutMs: 800 },
  });
  const s = await stream(t.port);
  await s.nextMatching(isEvent);
  for (let beats = 0; beats < 4; beats += 1) expect((await s.next()).comment).toMatch(/^hb \d+$/);
  // Four heartbeats at >= 400 ms each: the stream outlived both timeouts, and still carries events.
  await ingest(t.app, report('p1'));
  expect(JSON.parse((await s.nextMatching(isEvent)).data!).probes.fresh).toBe(1);
});

test('Last-Event-ID: the current status is sent first whatever id the client holds', async () => {
  const t = await listening();
  const first = await stream(t.port);
  const current = await first.nextMatching(isEvent);
  first.close();
  const same = await stream(t.port, { ...AUTH, 'last-event-id': current.id! });
  expect(await same.nextMatching(isEvent)).toEqual(current);
  const foreign = await stream(t.port, { ...AUTH, 'last-event-id': 'otherBoot-99999' });
  expect(await foreign.nextMatching(isEvent)).toEqual(current);
  await ingest(t.app, report('p1'));
  const later = await stream(t.port, { ...AUTH, 'last-event-id': current.id! });
  const now = await later.nextMatching(isEvent);
  expect(seq(now.id)).toBeGreaterThan(seq(current.id));
  expect(now.data).toBe(await polled(t.app));
});

test('the read token is required before any stream: 401 JSON for none, a wrong one or a probe token', async () => {
  const t = await listening();
  for (const headers of [
    {} as Record<string, string>,
    { authorization: 'Bearer wrong-token-wrong-token' },
    { authorization: `Bearer ${TOKENS.p1}` },
  ]) {
    const s = await stream(t.port, headers);
    expect(s.response.statusCode).toBe(401);
    expect(s.response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(await s.body())).toMatchObject({ code: 'PROPWATCH_UNAUTHORIZED' });
  }
  expect(t.app.statusStream.subscribers).toBe(0);
});

test('without a read token configured the stream is open, like /api/v1/status', async () => {
  const t = await listening({ readToken: undefined });
  const s = await stream(t.port, {});
  expect(s.response.statusCode).toBe(200);
  expect((await s.nextMatching(isEvent)).data).toBe((await t.app.inject('/api/v1/status')).body);
});

test('limits.sseSubscribers: one more gets 503 with Retry-After and the JSON error; a freed place is taken', async () => {
  const t = await listening({ limits: { sseSubscribers: 3 } });
  const open = [await stream(t.port), await stream(t.port), await stream(t.port)];
  for (const s of open) await s.nextMatching(isEvent);
  const refused = await stream(t.port);
  expect(refused.response.statusCode).toBe(503);
  expect(refused.response.headers['retry-after']).toBe('5');
  expect(JSON.parse(await refused.body())).toMatchObject({ code: 'PROPWATCH_STREAM_FULL', statusCode: 503 });
  open[0]!.close();
  await open[0]!.ended;
  // The server notices the close on its own schedule: retry until the place is free.
  let again = await stream(t.port);
  while (again.response.statusCode === 503) again = await stream(t.port);
  expect(again.response.statusCode).toBe(200);
  const metrics = (await t.app.inject({ url: '/metrics', headers: AUTH })).body;
  expect(metrics).toMatch(/^propwatch_sse_dropped_total\{reason="limit"\} [1-9]/m);
  expect(metrics).toMatch(/^propwatch_sse_subscribers 3$/m);
  expect(metrics).toMatch(/^propwatch_sse_events_total 0$/m);
});

test('closing the aggregator ends every stream cleanly; close is not held up by them', async () => {
  const t = await listening();
  const open = [await stream(t.port), await stream(t.port)];
  for (const s of open) await s.nextMatching(isEvent);
  await t.app.close(); // would hang (test timeout) if open streams held the server
  expect(await Promise.all(open.map((s) => s.ended))).toEqual(['end', 'end']);
  const metrics = t.app.metrics.registry.getSingleMetric('propwatch_sse_dropped_total');
  expect((await metrics!.get()).values).toContainEqual(
    expect.objectContaining({ labels: { reason: 'shutdown' }, value: 2 }),
  );
});

test('a thousand connect/disconnect cycles leave no subscriber, connection or timer behind', async () => {
  const t = await listening({ limits: { sseSubscribers: 20 } });
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const before = timers();
  for (let round = 0; round < 50; round += 1) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => openStream(t.port, AUTH)));
    await Promise.all(batch.map((s) => s.nextMatching(isEvent)));
    for (const s of batch) s.close();
    await Promise.all(batch.map((s) => s.ended));
    // Every place freed before the next batch, or it would be refused (503) and nextMatching would reject.
    while (t.app.statusStream.subscribers > 0) await new Promise((r) => setImmediate(r));
  }
  const connections = () => new Promise<number>((r) => t.app.server.getConnections((_e, n) => r(n)));
  while ((await connections()) > 0) await new Promise((r) => setImmediate(r));
  expect(t.app.statusStream.subscribers).toBe(0);
  expect(timers()).toBeLessThanOrEqual(before);
  const s = await stream(t.port);
  expect((await s.nextMatching(isEvent)).event).toBe('status');
}, 60_000);

test('a reader that never reads is dropped once its unsent bytes pass the bound; memory stays bounded', async () => {
  // The broadcaster over a real socket: the client connects and never reads, so the kernel buffers fill and
  // the rest stays in the server's socket (writableLength), which must never pass the bound plus one frame.
  const BOUND = 64 * 1024;
  const drops: string[] = [];
  const b = new SseBroadcaster({
    maxSubscribers: 10,
    maxBufferedBytes: BOUND,
    heartbeatMs: 60_000,
    now: () => 0,
    onDrop: (r) => drops.push(r),
  });
  const responses: import('node:http').ServerResponse[] = [];
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.once('close', () => b.remove(res));
    b.add(res, 'retry: 1000\n\n');
    responses.push(res);
  });
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(() => b.close());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client: Socket = connect(port, '127.0.0.1');
  cleanups.push(() => void client.destroy());
  client.pause(); // never read
  client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  while (responses.length === 0) await new Promise((r) => setImmediate(r));
  const res = responses[0]!;
  const frame = `data: ${'x'.repeat(16 * 1024)}\n\n`;
  let sent = 0;
  let peak = 0;
  while (b.size > 0 && sent < 32 * 1024 * 1024) {
    b.send(frame);
    sent += frame.length;
    peak = Math.max(peak, res.writableLength);
    await new Promise((r) => setImmediate(r)); // let the socket flush what the kernel takes
  }
  expect(drops).toEqual(['slow_reader']);
  expect(res.destroyed).toBe(true);
  expect(peak).toBeLessThanOrEqual(BOUND + frame.length);
  // It was the unread socket, not the bound, that stopped it: far more than the bound had been sent.
  expect(sent).toBeGreaterThan(4 * BOUND);
}, 60_000);
