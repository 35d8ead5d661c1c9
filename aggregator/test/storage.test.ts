import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { MIGRATIONS, migrate } from '../src/storage/migrations.js';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { type StorePlace, storeBackends } from './backends.js';
import { T0, pop, report, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, 'rounds.db');
});
afterEach(() => temp.cleanup());

describe.each(storeBackends())('RoundStore contract on $name', (backend) => {
  beforeAll(backend.setup);
  afterAll(backend.teardown);
  let place: StorePlace;
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(() => place.cleanup());

  test('survives a restart: close and reopen, everything acknowledged is there', async () => {
    const store = place.open();
    await store.upsertRound(report('p1'), T0);
    await store.upsertRound(
      report('p2', { id: 'p2-r9', state: 'running', pops: [pop('LHR', { state: 'pending', lowerMs: 500 })] }),
      T0 + 1,
    );
    await store.close();
    const reopened = place.open();
    const rounds = await reopened.latestRounds({ limit: 10 });
    expect(rounds.map((r) => r.id).sort()).toEqual(['p1-r1', 'p2-r9']);
    expect(rounds.find((r) => r.id === 'p1-r1')).toMatchObject({
      state: 'complete',
      pops: report('p1').round.pops,
      receivedAt: T0,
    });
    expect((await reopened.probes()).map((p) => p.id)).toEqual(['p1', 'p2']);
    await reopened.close();
  });

  test('upsert advances a running round and never moves it backwards', async () => {
    const store = place.open();
    const running = report('p1', {
      state: 'running',
      elapsedMs: 1000,
      pops: [pop('LHR', { state: 'pending', lowerMs: 900 })],
    });
    const done = report('p1', { state: 'complete', elapsedMs: 3000 });
    expect((await store.upsertRound(running, T0)).outcome).toBe('inserted');
    const updated = await store.upsertRound(done, T0 + 2000);
    expect(updated).toMatchObject({
      outcome: 'updated',
      previous: { state: 'running' },
      current: { state: 'complete' },
    });
    const late = await store.upsertRound(running, T0 + 5000);
    expect(late.outcome).toBe('unchanged');
    expect(late.current).toMatchObject({ state: 'complete', receivedAt: T0 + 2000 });
    const [stored] = await store.latestRounds({ probe: 'p1', limit: 1 });
    expect(stored).toMatchObject({ state: 'complete', elapsedMs: 3000, firstReceivedAt: T0, receivedAt: T0 + 2000 });
    expect(stored!.pops).toHaveLength(2);
    await store.close();
  });

  test('concurrent upserts of the same round converge to the furthest report', async () => {
    const store = place.open();
    const reports = Array.from({ length: 50 }, (_, i) =>
      report('p1', { state: i === 49 ? 'complete' : 'running', elapsedMs: 100 * (i + 1) }),
    );
    const shuffled = [...reports].sort(() => Math.random() - 0.5);
    const results = await Promise.all(shuffled.map((r, i) => store.upsertRound(r, T0 + i)));
    expect(results.filter((r) => r.outcome === 'inserted')).toHaveLength(1);
    const [stored] = await store.latestRounds({ limit: 10 });
    expect(stored).toMatchObject({ id: 'p1-r1', state: 'complete', elapsedMs: 5000 });
    expect(await store.latestRounds({ limit: 10 })).toHaveLength(1);
    await store.close();
  });

  test('retention prunes rounds (and their POP results) last received before the cutoff', async () => {
    const store = place.open();
    await store.upsertRound(report('p1', { id: 'old' }), T0);
    await store.upsertRound(
      report('p1', { id: 'new', serial: '2', startedAt: new Date(T0 + 86_400_000).toISOString() }),
      T0 + 86_400_000,
    );
    const refs = (await store.latestRoundRefs({ limit: 10 })).map((r) => r.ref);
    expect((await store.popsOfRounds(refs)).size).toBe(2);
    expect(await store.prune(T0 + 1000)).toBe(1);
    expect((await store.latestRounds({ limit: 10 })).map((r) => r.id)).toEqual(['new']);
    const left = await store.popsOfRounds(refs);
    expect([...left.values()].map((pops) => pops.length)).toEqual([2]);
    await store.close();
  });

  test('queries: roundsSince, latestRounds by probe with limit, recent states, POP series', async () => {
    const store = place.open();
    for (let i = 0; i < 5; i++) {
      const failed = i >= 3 ? { state: 'write_failed' as const, pops: [] } : {};
      await store.upsertRound(
        report('p1', {
          id: `r${i}`,
          serial: String(i + 1),
          startedAt: new Date(T0 + i * 60_000).toISOString(),
          ...failed,
        }),
        T0 + i * 60_000,
      );
    }
    await store.upsertRound(report('p2'), T0 + 1);
    expect((await store.roundsSince(T0 + 120_000)).map((r) => r.id)).toEqual(['r2', 'r3', 'r4']);
    expect((await store.latestRounds({ probe: 'p1', limit: 2 })).map((r) => r.id)).toEqual(['r4', 'r3']);
    expect((await store.recentRoundHeads('p1', 3)).map((head) => [head.id, head.serial, head.state])).toEqual([
      ['r4', '5', 'write_failed'],
      ['r3', '4', 'write_failed'],
      ['r2', '3', 'complete'],
    ]);
    const series = (await store.popSeries()).sort((a, b) => `${a.probe}${a.pop}`.localeCompare(`${b.probe}${b.pop}`));
    expect(series).toEqual([
      { probe: 'p1', pop: 'LHR', lastSeenAt: T0 + 120_000 },
      { probe: 'p1', pop: 'SIN', lastSeenAt: T0 + 120_000 },
      { probe: 'p2', pop: 'LHR', lastSeenAt: T0 + 1 },
      { probe: 'p2', pop: 'SIN', lastSeenAt: T0 + 1 },
    ]);
    await expect(store.checkWritable()).resolves.toBeUndefined();
    await store.close();
  });

  test('a replayed older round keeps the probe alive but does not replace its latest round, region or version', async () => {
    const store = place.open();
    const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
    await store.upsertRound(report('p1', { id: 'r1', serial: '1', startedAt: at(1) }), T0 + 60_000);
    await store.upsertRound(
      {
        ...report('p1', { id: 'r5', serial: '5', state: 'running', startedAt: at(5) }),
        probe: { id: 'p1', region: 'eu-west', version: '2.0.0' },
      },
      T0 + 300_000,
    );
    // The spool delivers r3 (written by the old version, before an outage) after r5.
    await store.upsertRound(
      {
        ...report('p1', { id: 'r3', serial: '3', state: 'write_failed', pops: [], startedAt: at(3) }),
        probe: { id: 'p1', region: 'eu-west', version: '1.0.0' },
      },
      T0 + 310_000,
    );
    expect(await store.probes()).toEqual([
      expect.objectContaining({
        id: 'p1',
        version: '2.0.0',
        lastRoundId: 'r5',
        lastRoundState: 'running',
        firstSeenAt: T0 + 60_000,
        lastSeenAt: T0 + 310_000,
      }),
    ]);
    // The latest round moving on does update it.
    await store.upsertRound(
      {
        ...report('p1', { id: 'r5', serial: '5', state: 'complete', startedAt: at(5) }),
        probe: { id: 'p1', region: 'eu-west', version: '2.0.0' },
      },
      T0 + 320_000,
    );
    expect(await store.probes()).toEqual([
      expect.objectContaining({ lastRoundId: 'r5', lastRoundState: 'complete', lastSeenAt: T0 + 320_000 }),
    ]);
    await store.close();
  });

  test('property: the list across probes keeps every probe in its sequence, whatever the clocks and the arrival order', async () => {
    const store = place.open();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            probe: fc.constantFrom('p1', 'p2', 'p3'),
            // Probe clocks step back and forth by up to 10 min around the aggregator's.
            startedOffset: fc.integer({ min: -600_000, max: 600_000 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.func(fc.integer()),
        async (rounds, arrival) => {
          // One store for every run (a database per run would be slow on PostgreSQL): each run has its own probes.
          const run = `run${++runs}`;
          // Serials follow the order rounds were made in; they arrive shuffled (spool replays, newest first).
          const made = rounds.map((r, i) =>
            report(`${run}${r.probe}`, {
              id: `${r.probe}-${i}`,
              serial: String(1000 + i),
              startedAt: new Date(T0 + i * 30_000 + r.startedOffset).toISOString(),
            }),
          );
          const shuffled = made.map((r, i) => ({ r, key: arrival(i) })).sort((a, b) => a.key - b.key);
          for (const [i, { r }] of shuffled.entries()) await store.upsertRound(r, T0 + i);
          const all = (await store.latestRounds({ limit: 100_000 })).filter((r) => r.probe.id.startsWith(`${run}p`));
          for (const probe of ['p1', 'p2', 'p3'].map((p) => `${run}${p}`)) {
            const inSequence = (await store.latestRounds({ probe, limit: 1000 })).map((r) => r.serial);
            expect(inSequence).toEqual(
              made
                .filter((r) => r.probe.id === probe)
                .map((r) => r.round.serial)
                .reverse(),
            );
            expect(all.filter((r) => r.probe.id === probe).map((r) => r.serial)).toEqual(inSequence);
          }
        },
      ),
      // Fewer runs on PostgreSQL: each upsert is a network round trip or ten, and the shrinker still has room.
      { numRuns: backend.name === 'postgres' ? 60 : 150 },
    );
    await store.close();
  }, 120_000);
});

describe('SqliteRoundStore', () => {
  test('the file is in WAL mode and records every migration', async () => {
    const store = new SqliteRoundStore({ path });
    await store.upsertRound(report('p1'), T0);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })).sort((a, b) => a.version - b.version),
    );
    db.close();
  });

  test('group commit: reports of one event-loop turn share a transaction, and a bad one fails alone', async () => {
    const store = new SqliteRoundStore({ path });
    const good = Array.from({ length: 20 }, (_, i) => report('p1', { id: `p1-g${i}` }));
    // A POP without a name violates a NOT NULL column: a bug or corruption, not input the schema lets through.
    const bad = report('p2', { id: 'p2-bad', pops: [{ ...pop('LHR'), pop: null as unknown as string }] });
    const outcomes = await Promise.allSettled(
      [...good.slice(0, 10), bad, ...good.slice(10)].map((r, i) => store.upsertRound(r, T0 + i)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(20);
    expect(outcomes[10]).toMatchObject({ status: 'rejected' });
    await store.close();
    const reopened = new SqliteRoundStore({ path });
    const ids = (await reopened.latestRounds({ limit: 100 })).map((r) => r.id);
    expect(ids.sort()).toEqual(good.map((r) => r.round.id).sort());
    await reopened.close();
  });

  test("migration 2 fills in when each probe's last round started, from a version-1 database", async () => {
    const db = new Database(path);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version === 1),
    );
    db.prepare(
      `INSERT INTO rounds (probe_id, round_id, probe_region, probe_version, zone, record, serial, started_at, started_at_ms, state,
      elapsed_ms, submit_to_ack_ms, first_received_at, received_at) VALUES ('p1', 'r7', 'eu', '1', 'z.', '_c.z.', '1', 'x', ?, 'complete', 1, 1, 0, 0)`,
    ).run(T0 + 7);
    db.prepare(
      `INSERT INTO probes VALUES ('p1', 'eu', '1', 0, 0, 'r7', 'complete'), ('p2', 'eu', '1', 0, 0, 'gone', 'complete')`,
    ).run();
    db.close();
    const store = new SqliteRoundStore({ path });
    await store.close();
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT id, last_round_started_at_ms AS started FROM probes ORDER BY id').all()).toEqual([
      { id: 'p1', started: T0 + 7 },
      { id: 'p2', started: 0 },
    ]);
    reopened.close();
  });

  test('migration 3 orders by serial: the probes row is recomputed (a round dated 2099 had taken it), keys filled in', async () => {
    const db = new Database(path);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 2),
    );
    const insert =
      db.prepare(`INSERT INTO rounds (probe_id, round_id, probe_region, probe_version, zone, record, serial,
      started_at, started_at_ms, state, elapsed_ms, submit_to_ack_ms, first_received_at, received_at)
      VALUES ('p1', ?, 'eu', ?, 'z.', '_c.z.', ?, 'x', ?, ?, 1, 1, ?, ?)`);
    const in2099 = Date.parse('2099-01-01T00:00:00Z');
    insert.run('r1', '1', '0100', T0, 'complete', T0, T0);
    insert.run('r2', '1', '101', in2099, 'complete', T0 + 1, T0 + 1);
    insert.run('r3', '2', '102', T0 + 2, 'write_failed', T0 + 2, T0 + 2);
    db.prepare(`INSERT INTO probes VALUES ('p1', 'eu', '1', 0, 0, 'r2', 'complete', ?)`).run(in2099);
    db.close();
    const store = new SqliteRoundStore({ path });
    expect(await store.probes()).toEqual([
      expect.objectContaining({
        id: 'p1',
        version: '2',
        lastRoundId: 'r3',
        lastRoundState: 'write_failed',
        maxWaitMs: null,
      }),
    ]);
    expect((await store.recentRoundHeads('p1', 5)).map((h) => h.id)).toEqual(['r3', 'r2', 'r1']);
    await store.close();
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT round_id, serial_key, order_ms FROM rounds ORDER BY id').all()).toEqual([
      { round_id: 'r1', serial_key: '00000000000000000100', order_ms: T0 },
      { round_id: 'r2', serial_key: '00000000000000000101', order_ms: in2099 },
      { round_id: 'r3', serial_key: '00000000000000000102', order_ms: in2099 },
    ]);
    reopened.close();
  });

  test('refuses a database written by a newer schema', async () => {
    const db = new Database(path);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    db.prepare('INSERT INTO schema_migrations VALUES (99, ?, 0)').run('future');
    db.close();
    expect(() => new SqliteRoundStore({ path })).toThrow(
      `schema version 99 is newer than this aggregator knows (${Math.max(...MIGRATIONS.map((m) => m.version))})`,
    );
  });
});
