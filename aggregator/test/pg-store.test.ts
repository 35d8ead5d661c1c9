/**
 * PostgreSQL-only behaviour of PgRoundStore, on a real throwaway cluster: replicas racing on one database,
 * versioned migrations under a lock, the round notification, secrets kept out of every output, and readiness
 * through a database outage. The shared store contract runs on both backends in storage.test.ts and friends.
 */
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger, runCommand } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAvailable } from '../../test-support/postgres.js';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';
import { aggregatorCommand } from '../src/run-cli.js';
import { PG_MIGRATIONS, migratePg } from '../src/storage/pg/pg-migrations.js';
import { PgRoundStore } from '../src/storage/pg/pg-store.js';
import { ROUNDS_CHANNEL, parseRoundNotification } from '../src/storage/pg/notify-channel.js';
import type { UpsertResult } from '../src/storage/round-store.js';
import { type StoreBackend, pgStoreOptions, postgresBackend } from './backends.js';
import { FakeClock, T0, TOKENS, ingest, pop, report, tempDir } from './helpers.js';

describe.skipIf(!postgresAvailable())('PgRoundStore on PostgreSQL', () => {
  const backend: StoreBackend = postgresBackend();
  const temp = tempDir();
  beforeAll(backend.setup);
  afterAll(async () => {
    await backend.teardown();
    temp.cleanup();
  });
  const psql = (sql: string, url: string) => backend.cluster!.psql(sql, new URL(url).pathname.slice(1)).trim();

  test('two replicas racing on one database: each round stored once, inserted once, at its furthest report, its rollups counted once', async () => {
    const place = await backend.place();
    const replicas = [place.open(), place.open()];
    // 3 probes × 8 rounds, each reported running, further along, then complete; both replicas get every report.
    const reports = ['p1', 'p2', 'p3'].flatMap((probe) =>
      Array.from({ length: 8 }, (_, i) => {
        const round = {
          id: `${probe}-r${i}`,
          serial: String(100 + i),
          startedAt: new Date(T0 + i * 1000).toISOString(),
        };
        const pending = [
          pop('LHR', { state: 'pending', lowerMs: 100 }),
          pop('SIN', { state: 'pending', lowerMs: 100 }),
        ];
        return [
          report(probe, { ...round, state: 'running', elapsedMs: 100, pops: pending }),
          report(probe, { ...round, state: 'running', elapsedMs: 500, pops: pending }),
          report(probe, { ...round, state: 'complete', elapsedMs: 2000 }),
        ];
      }).flat(),
    );
    const sends = replicas.flatMap((store, replica) =>
      reports.map((r, i) => ({ store, r, at: T0 + i * 2 + replica, key: (i * 7919 + replica * 104_729) % 1009 })),
    );
    sends.sort((a, b) => a.key - b.key);
    const results = await Promise.all(
      sends.map(async ({ store, r, at }) => ({ round: r.round.id, result: await store.upsertRound(r, at) })),
    );
    const inserted = (round: string) =>
      results.filter((x) => x.round === round && x.result.outcome === 'inserted').length;
    for (const r of reports) expect(inserted(r.round.id), r.round.id).toBe(1);
    expect(psql('SELECT COUNT(*) FROM rounds', place.url!)).toBe('24');
    expect(psql('SELECT COUNT(*) FROM pop_results', place.url!)).toBe('48');
    const stored = await replicas[1]!.latestRounds({ limit: 100 });
    expect(stored.every((round) => round.state === 'complete' && round.elapsedMs === 2000)).toBe(true);
    for (const probe of ['p1', 'p2', 'p3']) {
      const serials = (await replicas[0]!.latestRounds({ probe, limit: 100 })).map((round) => round.serial);
      expect(serials).toEqual(Array.from({ length: 8 }, (_, i) => String(107 - i)));
    }
    // Each of the 48 POP results became final once: counted once in the rollups, whichever replica stored it.
    const [cells] = await replicas[0]!.rollupCells({
      level: '1h',
      group: 'all',
      origin: T0 - 3_600_000,
      stepMs: 86_400_000,
      from: T0 - 3_600_000,
      to: T0 + 3_600_000,
    });
    expect(cells?.cell.count).toBe(48);
    expect((await replicas[0]!.probes()).map((p) => p.lastRoundId)).toEqual(['p1-r7', 'p2-r7', 'p3-r7']);
    await place.cleanup();
  });

  test('migrations are versioned: two aggregators starting at once migrate once, a later one runs none', async () => {
    const place = await backend.place();
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: place.url! }));
    await Promise.all(clients.map((client) => client.connect()));
    const migrateIn = async (client: pg.Client) => {
      await client.query('BEGIN');
      const ran = await migratePg(client);
      await client.query('COMMIT');
      return ran;
    };
    const together = await Promise.all([migrateIn(clients[0]!), migrateIn(clients[1]!)]);
    const all = PG_MIGRATIONS.map((m) => m.version);
    expect(together.sort((a, b) => b.length - a.length)).toEqual([all, []]);
    const appliedAt = psql('SELECT applied_at FROM schema_migrations ORDER BY version', place.url!);
    expect(await migrateIn(clients[2]!)).toEqual([]);
    expect(psql('SELECT applied_at FROM schema_migrations ORDER BY version', place.url!)).toBe(appliedAt);
    await Promise.all(clients.map((client) => client.end()));
    // Stores migrate on first use; two at once on a fresh database both come up.
    const fresh = await backend.place();
    const stores = [fresh.open(), fresh.open()];
    await Promise.all(stores.map((store) => store.upsertRound(report('p1'), T0)));
    expect(psql('SELECT COUNT(*) FROM schema_migrations', fresh.url!)).toBe(String(all.length));
    await Promise.all([place.cleanup(), fresh.cleanup()]);
  });

  test('refuses a database migrated by a newer aggregator', async () => {
    const place = await backend.place();
    const store = place.open();
    await store.checkWritable();
    psql("INSERT INTO schema_migrations VALUES (99, 'future', 0)", place.url!);
    const newer = place.open();
    await expect(newer.probes()).rejects.toThrow(/schema version 99 is newer than this aggregator knows/);
    await place.cleanup();
  });

  test('a stored round is announced on the rounds channel when its transaction commits', async () => {
    const place = await backend.place();
    const store = place.open();
    await store.checkWritable();
    const listener = new pg.Client({ connectionString: place.url! });
    await listener.connect();
    await listener.query(`LISTEN ${ROUNDS_CHANNEL}`);
    const heard = new Promise<pg.Notification>((resolve) => listener.once('notification', resolve));
    const result: UpsertResult = await store.upsertRound(report('p1'), T0);
    const notification = await heard;
    expect(notification.channel).toBe(ROUNDS_CHANNEL);
    const [ref] = await store.latestRoundRefs({ limit: 1 });
    expect(parseRoundNotification(notification.payload)).toEqual({
      probe: 'p1',
      round: 'p1-r1',
      ref: ref!.ref,
      outcome: result.outcome,
    });
    await listener.end();
    await place.cleanup();
  });

  /** An app on PostgreSQL whose log is captured unscrubbed (no secrets passed to the logger). */
  function appOn(storage: Record<string, unknown>) {
    let log = '';
    const logger = createLogger({
      name: 'test',
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          log += chunk.toString();
          callback();
        },
      }),
    });
    const config = resolveConfig({
      storage: { backend: 'postgres', connectTimeoutMs: 2_000, ...storage },
      probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
      ingest: { reportsPerSecond: 1000, burst: 1000 },
    });
    const app = build({ config, clock: new FakeClock(), logger });
    return { app, log: () => log };
  }

  test('the password never shows: bad password, unreachable server, password in the URL, --print-config', async () => {
    const { port, user } = backend.cluster!;
    const secret = 'hunter2-not-the-password-9f8e7d';
    const passwordFile = join(temp.dir, 'pg-password');
    writeFileSync(passwordFile, `${secret}\n`);
    const closedPort = 1; // nothing listens on port 1 of the loopback
    const cases = [
      {
        name: 'wrong password from a file',
        storage: { url: `postgres://${user}@127.0.0.1:${port}/${user}`, passwordFile },
      },
      {
        name: 'wrong password in the env key',
        storage: { url: `postgres://${user}@127.0.0.1:${port}/${user}`, password: secret },
      },
      {
        name: 'password in the URL, server unreachable',
        storage: { url: `postgres://${user}:${secret}@127.0.0.1:${closedPort}/db` },
      },
    ];
    // The status is restored from the store at start, so an aggregator that cannot reach its database does not
    // start: the error names the cause (and a supervisor restarts it); a running one answers 503 (next test).
    for (const { name, storage } of cases) {
      const { app, log } = appOn(storage);
      const failure = await app.ready().then(
        () => null,
        (error: Error) => error,
      );
      expect(failure?.message, name).toMatch(/PostgreSQL .* failed \(POSTGRES_(AUTH_FAILED|UNREACHABLE)\)/);
      await app.close().catch(() => undefined);
      expect(failure?.message, name).not.toContain(secret);
      expect(JSON.stringify(failure), name).not.toContain(secret);
      expect(log(), name).not.toContain(secret);
      if (name.startsWith('password in the URL')) expect(log()).toContain('storage.url holds a password');
    }
    const out: string[] = [];
    const io = {
      env: {
        PROPWATCH_STORAGE__BACKEND: 'postgres',
        PROPWATCH_STORAGE__URL: `postgres://${user}:${secret}@127.0.0.1:${port}/${user}`,
        PROPWATCH_STORAGE__PASSWORD: secret,
      },
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => out.push(s) },
      events: new EventEmitter(),
    };
    expect(await runCommand(aggregatorCommand, ['--print-config'], io)).toBe(0);
    expect(out.join('')).toContain('"backend": "postgres"');
    expect(out.join('')).not.toContain(secret);
  });

  // Last in the file: it stops and restarts the cluster every test here uses.
  test('PostgreSQL stopped: /readyz and ingest answer 503 naming the cause; both recover once it is back', async () => {
    const place = await backend.place();
    const { app, log } = appOn(pgStoreOptions(place.url!));
    expect((await ingest(app, report('p1'))).statusCode).toBeLessThan(300);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await backend.cluster!.stop();
    const refused = await ingest(app, report('p1', { id: 'p1-r2', serial: '2' }));
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ message: expect.stringMatching(/POSTGRES_(UNAVAILABLE|UNREACHABLE)/) });
    const down = await app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'not ready', reason: expect.stringMatching(/POSTGRES_/) });
    await backend.cluster!.start();
    // The pool drops connections the restart broke as it finds them: a few checks at most, no waiting.
    let ready = 503;
    for (let attempt = 0; attempt < 5 && ready !== 200; attempt++)
      ready = (await app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    expect(ready).toBe(200);
    expect((await ingest(app, report('p1', { id: 'p1-r2', serial: '2' }))).statusCode).toBeLessThan(300);
    await app.close();
    expect(log()).toContain('storage writes are failing');
    expect(log()).not.toContain(backend.cluster!.password);
    for (const output of [refused.body, down.body]) expect(output).not.toContain(backend.cluster!.password);
    await place.cleanup();
  });
});

// The store is also usable without the app: a direct construction names what is wrong with its URL.
describe('PgRoundStore options', () => {
  test('a URL that is not postgres:// is refused naming the key', () => {
    const options = { poolSize: 1, connectTimeoutMs: 1000, statementTimeoutMs: 1000 };
    expect(() => new PgRoundStore({ ...options, url: 'mysql://u@h/db' })).toThrow(/storage\.url has scheme mysql:/);
    expect(() => new PgRoundStore({ ...options, url: 'postgres://u@h/db?sslmode=maybe' })).toThrow(/sslmode/);
  });

  test('config: postgres needs storage.url; the postgres keys under sqlite are refused without echoing them', () => {
    expect(() => resolveConfig({ storage: { backend: 'postgres' } })).toThrow(/storage\.url.*postgres:\/\/user@host/);
    const secret = 'pw-that-must-not-echo-1234';
    for (const storage of [{ url: `postgres://u:${secret}@h/db` }, { password: secret }]) {
      const error = (() => {
        try {
          resolveConfig({ storage });
        } catch (caught) {
          return caught as Error;
        }
        return null;
      })();
      expect(error?.message).toMatch(/it is for storage\.backend postgres/);
      expect(error?.message).not.toContain(secret);
    }
    expect(() =>
      resolveConfig({
        storage: { backend: 'postgres', url: 'postgres://u@h/db', password: secret, passwordFile: '/x' },
      }),
    ).toThrow(/one source for the password/);
  });
});
