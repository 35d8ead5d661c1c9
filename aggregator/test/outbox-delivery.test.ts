/**
 * The outbox deliverer against a real HTTP receiver, on both backends, with two deliverers on one database
 * standing for two replicas. A replica killed mid-delivery (its attempt reached the receiver, its outcome was
 * never recorded) leaves the row claimed; after the lease the other replica sends it again with the same
 * webhook-id, so a receiver that dedups by it has exactly one transition. A receiver that dies mid-request is
 * retried. Scheduling runs on a fake clock (due times, leases); sleeps advance it.
 */
import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Status } from '@propwatch/shared';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OutboxDeliverer, type OutboxDelivererOptions } from '../src/notify/outbox-deliverer.js';
import { outboxDeliveries, outboxTargets } from '../src/notify/outbox-targets.js';
import { OUTBOX_LEASE_MS } from '../src/plugins/notify-plugin.js';
import { transitionId } from '../src/notify/transition.js';
import type { RoundStore } from '../src/storage/round-store.js';
import { storeBackends } from './backends.js';
import { T0 } from './helpers.js';
import { eventually } from './stack.js';

/** The lease the app uses: the webhook failover time README documents (10 s). */
const LEASE_MS = OUTBOX_LEASE_MS;
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

const status = (state: Status['state'], at: number): Status => ({
  state,
  since: new Date(at).toISOString(),
  updatedAt: new Date(at).toISOString(),
  reason: `${state} for the test`,
  worstMs: null,
  thresholdMs: 30_000,
  worst: null,
  probes: { fresh: 1, expected: 1 },
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on a loopback port; `answer` decides per request: a status code, or 'reset' (dies mid-request). */
async function startReceiver(answer: (n: number) => number | 'reset') {
  const requests: Received[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      const code = answer(requests.length);
      if (code === 'reset') request.socket.destroy();
      else response.writeHead(code).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(storeBackends())('$name: outbox delivery', (backend) => {
  beforeAll(backend.setup);
  afterAll(backend.teardown);

  /** Two replicas' stores on one database, a transition ok -> alarm committed with its outbox row. */
  async function setup(url: string) {
    const place = await backend.place();
    cleanups.push(() => place.cleanup());
    const [a, b] = [place.open(), place.open()];
    const clock = { ms: T0 + 60_000 };
    const targets = outboxTargets([{ url, secret: SECRET }]);
    const previous = status('ok', T0);
    const next = status('alarm', T0 + 60_000);
    const transition = { id: transitionId(previous, next), status: next, previous, alarmPops: [] };
    await a.commitTransition({ expectedVersion: 0, status: previous, change: null, deliveries: [], now: T0 });
    const committed = await a.commitTransition({
      expectedVersion: 1,
      status: next,
      change: null,
      deliveries: outboxDeliveries(transition, targets, 'https://propwatch.example.com'),
      now: clock.ms,
    });
    expect(committed.committed).toBe(true);
    const counts = { delivered: 0, failed: 0 };
    const deliverer = (store: RoundStore, fetchImpl?: typeof fetch, real?: { retryBaseMs: number }) => {
      const options: OutboxDelivererOptions = {
        store,
        targets,
        timeoutMs: 2_000,
        maxAttempts: 3,
        retryBaseMs: 1_000,
        leaseMs: LEASE_MS,
        pollMs: 3_600_000,
        now: () => clock.ms,
        scheduleNow: () => clock.ms,
        log: silent,
        count: (result) => (counts[result] += 1),
        fetch: fetchImpl,
        // Waiting for a retry or a lease is the fake clock moving on.
        sleep: async (ms) => void (clock.ms += ms),
      };
      // Or the real clock, for deliverers running side by side (a shared fake clock moved by one of them would
      // end the other's lease while its attempt is still in flight).
      if (real) {
        options.retryBaseMs = real.retryBaseMs;
        options.scheduleNow = () => Date.now();
        delete options.sleep;
      }
      const created = new OutboxDeliverer(options);
      cleanups.push(() => created.close());
      return created;
    };
    return { a, b, clock, transition, deliverer, counts, key: targets[0]!.key };
  }

  test('a replica killed mid-delivery: the other sends it again after the lease, with the same webhook-id', async () => {
    expect(LEASE_MS).toBe(10_000);
    const receiver = await startReceiver(() => 200);
    cleanups.push(receiver.close);
    const { a, b, clock, transition, deliverer, counts, key } = await setup(receiver.url);
    // Replica a's attempt reaches the receiver, then a dies before recording it: its fetch never returns.
    const dying: typeof fetch = async (input, init) => {
      await (await fetch(input, init)).arrayBuffer();
      return new Promise<Response>(() => undefined);
    };
    const first = deliverer(a, dying);
    first.kick();
    await eventually(
      () => receiver.requests.length,
      (n) => n === 1,
      10_000,
    );
    first.close();

    const second = deliverer(b);
    second.kick();
    // Within the lease the row is still a's: b sends nothing.
    clock.ms += LEASE_MS - 1;
    second.kick();
    expect(await b.nextOutboxDue(key)).toBe(T0 + 60_000 + LEASE_MS);
    expect(receiver.requests).toHaveLength(1);
    // idle() waits (on the fake clock) until the lease ends, then b claims and delivers.
    await second.idle();
    expect(receiver.requests).toHaveLength(2);
    expect(await b.nextOutboxDue(key)).toBeNull();
    expect(counts).toEqual({ delivered: 1, failed: 0 });
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set([transition.id]));
    // Both attempts signed over their own timestamp; the body is the transition's payload.
    for (const { headers, body } of receiver.requests) {
      const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
      const signed = `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`;
      expect(headers['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update(signed).digest('base64')}`);
      expect(JSON.parse(body)).toMatchObject({ state: 'alarm', previousState: 'ok' });
    }
    expect(receiver.requests[1]!.headers['webhook-timestamp']).not.toBe(
      receiver.requests[0]!.headers['webhook-timestamp'],
    );
  });

  test('a receiver that dies mid-request is retried after the backoff; it sees one distinct webhook-id', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 'reset' : n === 2 ? 503 : 204));
    cleanups.push(receiver.close);
    const { b, clock, transition, deliverer, counts, key } = await setup(receiver.url);
    const started = clock.ms;
    const only = deliverer(b);
    only.kick();
    await only.idle();
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([transition.id]));
    // Backoff on the scheduling clock: 1 s after the first failure, 2 s after the second.
    expect(clock.ms - started).toBeGreaterThanOrEqual(3_000);
    expect(counts).toEqual({ delivered: 1, failed: 0 });
    expect(await b.nextOutboxDue(key)).toBeNull();
  });

  test('a receiver that keeps failing: given up after maxAttempts, counted, never sent again', async () => {
    const receiver = await startReceiver(() => 500);
    cleanups.push(receiver.close);
    const { a, b, deliverer, counts, key } = await setup(receiver.url);
    const one = deliverer(a, undefined, { retryBaseMs: 20 });
    const two = deliverer(b, undefined, { retryBaseMs: 20 });
    one.kick();
    two.kick();
    await Promise.all([one.idle(), two.idle()]);
    // Two replicas, one row: three attempts in all, not three each.
    expect(receiver.requests).toHaveLength(3);
    expect(counts).toEqual({ delivered: 0, failed: 1 });
    expect(await a.nextOutboxDue(key)).toBeNull();
    two.kick();
    await two.idle();
    expect(receiver.requests).toHaveLength(3);
  });
});
