/**
 * Two aggregator replicas on one PostgreSQL database. A change ingested through replica A is reported by B's
 * /api/v1/status with no timer of B's involved (B re-evaluates once an hour here): B hears the round through
 * LISTEN/NOTIFY and evaluates it. Each transition is decided once: one alarm history line, one webhook-id at
 * the receiver, however the two replicas raced to decide and deliver it. The figure printed (ingest answered
 * by A → status changed on B) is what aggregator/README.md quotes.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { postgresAvailable } from '../../test-support/postgres.js';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';
import { PgRoundStore } from '../src/storage/pg/pg-store.js';
import { type StoreBackend, pgStoreOptions, postgresBackend } from './backends.js';
import { FakeClock, TOKENS, ingest, pop, report } from './helpers.js';
import { eventually } from './stack.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startReceiver() {
  const ids: string[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      ids.push(String(request.headers['webhook-id']));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, ids };
}

const slow = (id: string, serial: string) =>
  report('p1', {
    id,
    serial,
    pops: [pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined })],
  });

async function state(app: FastifyInstance): Promise<string> {
  return (await app.inject('/api/v1/status')).json<{ state: string }>().state;
}

/** ms from `started` until `app` reports `wanted`, looking every millisecond (the look is no timer of the app's). */
async function reportedWithin(app: FastifyInstance, wanted: string, started: number): Promise<number> {
  await eventually(
    () => state(app),
    (s) => s === wanted,
    10_000,
    1,
  );
  return performance.now() - started;
}

describe.skipIf(!postgresAvailable())('two replicas on one PostgreSQL database', () => {
  const backend: StoreBackend = postgresBackend();
  beforeAll(backend.setup);
  afterAll(backend.teardown);

  test('a change ingested through A is reported by B after the NOTIFY; each transition is decided and sent once', async () => {
    const place = await backend.place();
    cleanups.push(() => place.cleanup());
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const replica = async () => {
      const config = resolveConfig({
        probes: [{ id: 'p1', token: TOKENS.p1 }],
        status: { alarmAboveMs: 30_000, clearBelowMs: 20_000, reevaluateMs: 3_600_000 },
        webhooks: { urls: [receiver.url], retryBaseMs: 10, maxAttempts: 3, timeoutMs: 2_000 },
      });
      const app = build({ config, clock, store: new PgRoundStore(pgStoreOptions(place.url!)) });
      cleanups.push(() => app.close());
      await app.ready();
      return app;
    };
    const a = await replica();
    const b = await replica();
    // Both listening before the change, so B hears it through the NOTIFY (not its catch-up read at connect).
    const admin = new pg.Client({ connectionString: place.url! });
    await admin.connect();
    cleanups.push(() => admin.end());
    await eventually(
      async () =>
        (
          await admin.query<{ n: string }>(
            `SELECT COUNT(*) AS n FROM pg_stat_activity
             WHERE application_name = 'propwatch-aggregator-listen' AND datname = current_database()`,
          )
        ).rows[0]!.n,
      (n) => n === '2',
      10_000,
    );
    // The first status is decided once too (one replica commits it, the other adopts it).
    await eventually(
      async () => (await a.store.statusRow()).version,
      (version) => version >= 1,
      10_000,
    );
    expect(await state(b)).toBe(await state(a));

    const started = performance.now();
    expect((await ingest(a, slow('r1', '1735689600000'))).statusCode).toBe(200);
    const alarmMs = await reportedWithin(b, 'alarm', started);
    clock.advance(1_000);
    const recovered = performance.now();
    expect((await ingest(b, report('p1', { id: 'r2', serial: '1735689600001' }))).statusCode).toBe(200);
    const okMs = await reportedWithin(a, 'ok', recovered);
    console.log(
      `replicas agree: A ingest -> B status ${alarmMs.toFixed(1)} ms; B ingest -> A status ${okMs.toFixed(1)} ms`,
    );

    await eventually(
      () => receiver.ids.length,
      (n) => n >= 2,
      10_000,
    );
    await Promise.all([a.webhooks!.idle(), b.webhooks!.idle()]);
    // Two transitions (-> alarm, -> ok): two requests, two distinct ids, whoever decided and delivered them.
    expect(receiver.ids).toHaveLength(2);
    expect(new Set(receiver.ids).size).toBe(2);
    const history = await a.store.stateChanges(0, clock.ms + 1, 10);
    expect(history.changes.map((c) => c.state)).toEqual(['ok', 'alarm']);
    expect(await state(a)).toBe('ok');
    expect(await state(b)).toBe('ok');
    // Both report the same decided status, since included.
    const [sa, sb] = await Promise.all([a.inject('/api/v1/status'), b.inject('/api/v1/status')]);
    expect(sb.json().since).toBe(sa.json().since);
  });

  test('the listening connections killed: they reconnect, and a change made meanwhile still reaches B', async () => {
    const place = await backend.place();
    cleanups.push(() => place.cleanup());
    const clock = new FakeClock();
    const replica = async () => {
      const config = resolveConfig({
        probes: [{ id: 'p1', token: TOKENS.p1 }],
        status: { alarmAboveMs: 30_000, clearBelowMs: 20_000, reevaluateMs: 3_600_000 },
      });
      const app = build({ config, clock, store: new PgRoundStore(pgStoreOptions(place.url!)) });
      cleanups.push(() => app.close());
      await app.ready();
      return app;
    };
    const a = await replica();
    const b = await replica();
    const admin = new pg.Client({ connectionString: place.url! });
    await admin.connect();
    cleanups.push(() => admin.end());
    const listeners = async () =>
      (
        await admin.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM pg_stat_activity
           WHERE application_name = 'propwatch-aggregator-listen' AND datname = current_database()`,
        )
      ).rows[0]!.n;
    await eventually(listeners, (n) => n === '2', 10_000);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'propwatch-aggregator-listen' AND datname = current_database()`);
    // Stored while nobody listens (the reconnect waits 100 ms): B learns of it by its catch-up read.
    expect((await ingest(a, slow('r1', '1735689600000'))).statusCode).toBe(200);
    expect(await state(a)).toBe('alarm');
    await eventually(
      () => state(b),
      (s) => s === 'alarm',
      10_000,
    );
    await eventually(listeners, (n) => n === '2', 10_000);
    // And the notification path works again after the reconnect.
    clock.advance(1_000);
    expect((await ingest(a, report('p1', { id: 'r2', serial: '1735689600001' }))).statusCode).toBe(200);
    await eventually(
      () => state(b),
      (s) => s === 'ok',
      10_000,
    );
  });
});
