/**
 * Issue 12 item 2: a probe's wall clock cannot hide rounds. A probe's rounds
 * are ordered by serial (its persisted sequence), everywhere: the status, the
 * write-failure streak, GET /api/v1/probes (lastRound), /api/v1/rounds and
 * the restore at start. A startedAt further than ingest.maxClockSkewMs ahead
 * of the aggregator's clock is refused (400, nothing stored), and a stored
 * round's serial and startedAt cannot be changed by a later report (409).
 */
import Database from 'better-sqlite3';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { FakeClock, T0, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

let t: TestApp | undefined;
const temps: (() => void)[] = [];
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
  for (const cleanup of temps.splice(0)) cleanup();
});

const SINGLE = { status: { quorum: 1, minFreshProbes: 1, degradedAfterWriteFailures: 3 } };
const iso = (ms: number) => new Date(ms).toISOString();
const timeout: PopResult = pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined });
const fine: PopResult = pop('LHR');

/** Round `n` of p1, serial 1735689600000 + n (the probe's sequence), started `startedAt`. */
function round(n: number, startedAt: number, fields: Partial<RoundReport['round']> = {}): RoundReport {
  return report('p1', { id: `p1-r${n}`, serial: String(1_735_689_600_000 + n), startedAt: iso(startedAt), ...fields });
}

const status = async (app: TestApp['app']) =>
  (await app.inject('/api/v1/status')).json<{ state: string; reason: string }>();
const probeRow = async (app: TestApp['app']) =>
  (await app.inject('/api/v1/probes')).json<{ probes: Record<string, unknown>[] }>().probes.find((p) => p.id === 'p1')!;

describe('one report dated 2099 (issue 12 item 2 attack)', () => {
  it('is refused with a 400 naming the field, the skew and the bound; nothing stored; the alarm stays', async () => {
    t = buildTestApp(SINGLE);
    expect((await ingest(t.app, round(1, T0, { pops: [timeout] }))).statusCode).toBe(200);
    expect(await status(t.app)).toMatchObject({ state: 'alarm' });

    t.clock.advance(30_000);
    const forged = round(2, Date.parse('2099-01-01T00:00:00.000Z'), { pops: [fine] });
    const response = await ingest(t.app, forged);
    // Soft, so that without the fix the test goes on to show what the accepted forgery did (it hid the alarm).
    expect.soft(response.statusCode, response.body).toBe(400);
    expect.soft(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'PROPWATCH_CLOCK_SKEW',
      message:
        "body.round.startedAt: 2099-01-01T00:00:00.000Z is 2335219170 s ahead of the aggregator's clock " +
        '(2025-01-01T00:00:30.000Z); at most 600 s is accepted (ingest.maxClockSkewMs 600000). ' +
        "Check the probe's clock (NTP); nothing was stored",
    });
    expect.soft((await t.app.store.latestRounds({ limit: 10 })).map((r) => r.id)).toEqual(['p1-r1']);

    // Later rounds still count: the POP keeps timing out, the alarm stays, and it names the newest round.
    t.clock.advance(30_000);
    expect((await ingest(t.app, round(3, T0 + 60_000, { pops: [timeout] }))).statusCode).toBe(200);
    const later = await status(t.app);
    expect(later.state).toBe('alarm');
    expect(later.reason).toContain('serial 1735689600003');
    expect(await probeRow(t.app)).toMatchObject({ lastRound: { id: 'p1-r3', state: 'complete' } });
  });

  it('a clock up to maxClockSkewMs ahead is accepted; the bound is configurable', async () => {
    t = buildTestApp({ ...SINGLE, ingest: { maxClockSkewMs: 60_000 } });
    expect((await ingest(t.app, round(1, T0 + 60_000))).statusCode).toBe(200);
    const ahead = await ingest(t.app, round(2, T0 + 60_001));
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json().message).toContain('at most 60 s is accepted (ingest.maxClockSkewMs 60000)');
  });

  it('a round older than the retention is refused too (a clock far behind); an old replay within it is stored', async () => {
    const temp = tempDir();
    temps.push(temp.cleanup);
    const dbPath = `${temp.dir}/retention.db`;
    t = buildTestApp({ ...SINGLE, storage: { path: dbPath, retentionDays: 1 } }, { dbPath });
    const replay = await ingest(t.app, round(1, T0 - 20 * 3_600_000));
    expect(replay.statusCode, replay.body).toBe(200);
    const ancient = await ingest(t.app, round(2, T0 - 2 * 86_400_000));
    expect(ancient.statusCode).toBe(400);
    expect(ancient.json()).toMatchObject({ code: 'PROPWATCH_ROUND_TOO_OLD' });
    expect(ancient.json().message).toMatch(
      /^body\.round\.startedAt: 2024-12-30T00:00:00\.000Z is 172800 s behind the aggregator's clock .*retention \(storage\.retentionDays 1\)/,
    );
  });
});

describe('an honest probe whose clock stepped back: its serials go on, so do its rounds', () => {
  it('the newest serial is the latest round for the status, the probes table and the round list', async () => {
    t = buildTestApp(SINGLE);
    expect((await ingest(t.app, round(1, T0, { pops: [fine] }))).statusCode).toBe(200);
    // The clock steps back an hour; the serial source gives last + 1.
    t.clock.advance(30_000);
    expect((await ingest(t.app, round(2, T0 - 3_600_000, { pops: [timeout] }))).statusCode).toBe(200);
    expect(await status(t.app)).toMatchObject({ state: 'alarm' });
    expect((await status(t.app)).reason).toContain('serial 1735689600002');
    expect(await probeRow(t.app)).toMatchObject({ lastRound: { id: 'p1-r2' } });
    const list = (await t.app.inject('/api/v1/rounds?probe=p1')).json<{ rounds: { id: string }[] }>();
    expect(list.rounds.map((r) => r.id)).toEqual(['p1-r2', 'p1-r1']);
    // Across probes too (the dashboard takes each probe's first round in this list as its latest).
    const all = (await t.app.inject('/api/v1/rounds')).json<{ rounds: { id: string }[] }>();
    expect(all.rounds.map((r) => r.id)).toEqual(['p1-r2', 'p1-r1']);
  });

  it('the write-failure streak follows the serials, not the clock', async () => {
    t = buildTestApp(SINGLE);
    expect((await ingest(t.app, round(1, T0, { pops: [fine] }))).statusCode).toBe(200);
    for (const n of [2, 3, 4]) {
      t.clock.advance(30_000);
      const failed = round(n, T0 - 3_600_000 + n * 30_000, {
        state: 'write_failed',
        pops: [],
        write: { submitToAckMs: 3, error: 'HTTP 403' },
      });
      expect((await ingest(t.app, failed)).statusCode).toBe(200);
    }
    expect(await status(t.app)).toMatchObject({
      state: 'degraded',
      reason: 'canary writes failing on probe p1: HTTP 403',
    });
    expect(await probeRow(t.app)).toMatchObject({ consecutiveWriteFailures: 3, lastRound: { id: 'p1-r4' } });
  });
});

describe('a backlog replayed after an outage (newest round first)', () => {
  it('does not replace the newest round, move the streak or come first in the round list', async () => {
    t = buildTestApp(SINGLE);
    const p2 = report('p2', { id: 'p2-r1', serial: '1735689600001', startedAt: iso(T0 + 190_000) });
    // p1 was cut off for 5 rounds; its spool sends r6 first, then r2..r5 (write failures during the outage).
    t.clock.advance(200_000);
    expect((await ingest(t.app, round(6, T0 + 180_000, { pops: [fine] }))).statusCode).toBe(200);
    expect((await ingest(t.app, p2, 'p2')).statusCode).toBe(200);
    for (const n of [2, 3, 4, 5]) {
      const failed = round(n, T0 + n * 30_000, {
        state: 'write_failed',
        pops: [],
        write: { submitToAckMs: 3, error: 'down' },
      });
      expect((await ingest(t.app, failed)).statusCode).toBe(200);
    }
    expect(await status(t.app)).toMatchObject({ state: 'ok' });
    expect(await probeRow(t.app)).toMatchObject({ consecutiveWriteFailures: 0, lastRound: { id: 'p1-r6' } });
    const all = (await t.app.inject('/api/v1/rounds?limit=3')).json<{ rounds: { id: string }[] }>();
    expect(all.rounds.map((r) => r.id)).toEqual(['p2-r1', 'p1-r6', 'p1-r5']);
  });
});

describe('a stored round keeps its serial and startedAt', () => {
  it('a later report changing them is a 409 naming the field; nothing stored', async () => {
    t = buildTestApp(SINGLE);
    const running = round(1, T0, {
      state: 'running',
      pops: [pop('LHR', { state: 'pending', lowerMs: 500, upperMs: undefined, estimateMs: undefined })],
    });
    expect((await ingest(t.app, running)).statusCode).toBe(200);
    const moved = await ingest(t.app, {
      ...round(1, T0),
      round: { ...round(1, T0).round, serial: '99999999999999999999' },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'PROPWATCH_ROUND_CONFLICT',
      message:
        'body.round.serial: round "p1-r1" is stored with serial 1735689600001; a later report of the same round ' +
        'cannot change it (got 99999999999999999999); nothing was stored',
    });
    const redated = await ingest(t.app, round(1, T0 + 1));
    expect(redated.statusCode).toBe(409);
    expect(redated.json().message).toMatch(
      /^body\.round\.startedAt: round "p1-r1" is stored with startedAt 2025-01-01T00:00:00\.000Z;/,
    );
    const [stored] = await t.app.store.latestRounds({ probe: 'p1', limit: 5 });
    expect(stored).toMatchObject({ state: 'running', serial: '1735689600001' });
    // The same instant written differently, and the same serial with leading zeros, are the same round.
    const same = {
      ...round(1, T0),
      round: { ...round(1, T0).round, serial: '0001735689600001', startedAt: '2025-01-01T00:00:00Z' },
    };
    expect((await ingest(t.app, same)).json()).toMatchObject({ outcome: 'updated', state: 'complete' });
  });
});

describe('restart', () => {
  it('restores the status, the streak and the latest round in serial order (a 2099 round stored before the fix included)', async () => {
    const temp = tempDir();
    temps.push(temp.cleanup);
    const dbPath = `${temp.dir}/restart.db`;
    // Rounds as an aggregator before this fix stored them: r2 dated 2099 (its startedAt then ordered everything).
    const store = new SqliteRoundStore({ path: dbPath });
    await store.upsertRound(round(1, T0, { pops: [fine] }), T0);
    await store.upsertRound(round(2, Date.parse('2099-01-01T00:00:00Z'), { pops: [fine] }), T0 + 30_000);
    for (const n of [3, 4, 5]) {
      const failed = round(n, T0 + n * 30_000, {
        state: 'write_failed',
        pops: [],
        write: { submitToAckMs: 3, error: 'HTTP 403' },
      });
      await store.upsertRound(failed, T0 + n * 30_000);
    }
    await store.close();
    t = buildTestApp(SINGLE, { dbPath, clock: new FakeClock(T0 + 160_000) });
    await t.app.ready();
    expect(await status(t.app)).toMatchObject({
      state: 'degraded',
      reason: 'canary writes failing on probe p1: HTTP 403',
    });
    expect(await probeRow(t.app)).toMatchObject({
      consecutiveWriteFailures: 3,
      lastRound: { id: 'p1-r5', state: 'write_failed' },
    });
    // A replayed older round after the restart does not reset the streak either.
    expect((await ingest(t.app, round(0, T0 - 30_000, { pops: [fine] }))).json()).toMatchObject({
      outcome: 'inserted',
    });
    expect(await probeRow(t.app)).toMatchObject({ consecutiveWriteFailures: 3, lastRound: { id: 'p1-r5' } });
    await t.app.close();
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare("SELECT last_round_id FROM probes WHERE id = 'p1'").get()).toEqual({ last_round_id: 'p1-r5' });
    db.close();
  });
});
