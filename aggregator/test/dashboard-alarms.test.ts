/**
 * The alarm history: state changes stored as they happen (migration 5, a real SQLite file), kept across a
 * restart, bounded and pruned; GET /api/v1/alarms turns them into periods with start, end, duration and reasons.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_STATE_CHANGES, StateChangeLog } from '../src/storage/state-change-log.js';
import { migrate } from '../src/storage/migrations.js';
import { T0, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

let t: TestApp;
afterEach(async () => t?.cleanup());

const timedOut = (id: string, serial: string) =>
  report('p1', {
    id,
    serial,
    pops: [pop('FRA'), pop('LHR', { state: 'timeout', lowerMs: 3_000, upperMs: undefined, estimateMs: undefined })],
  });
const served = (id: string, serial: string) => report('p1', { id, serial, pops: [pop('FRA'), pop('LHR')] });
const minFresh = { status: { alarmAboveMs: 2_500, clearBelowMs: 1_500, minFreshProbes: 1 } };

describe('GET /api/v1/alarms', () => {
  it('lists the alarm with start, end, duration and both reasons, and the ok after it as ongoing', async () => {
    t = buildTestApp(minFresh);
    await ingest(t.app, timedOut('r1', '100'));
    expect((await t.app.inject('/api/v1/status')).json().state).toBe('alarm');
    t.clock.advance(60_000);
    await ingest(t.app, served('r2', '200'));
    expect((await t.app.inject('/api/v1/status')).json().state).toBe('ok');
    t.clock.advance(30_000);
    const body = (await t.app.inject('/api/v1/alarms')).json();
    expect(body).toMatchObject({ windowMs: 7 * 86_400_000, truncated: false });
    const [ok, alarm] = body.periods;
    expect(ok).toMatchObject({
      state: 'ok',
      start: new Date(T0 + 60_000).toISOString(),
      end: null,
      durationMs: 30_000,
    });
    expect(alarm).toMatchObject({
      state: 'alarm',
      start: new Date(T0).toISOString(),
      end: new Date(T0 + 60_000).toISOString(),
      durationMs: 60_000,
      pop: 'LHR',
      clipped: false,
    });
    expect(alarm.reason).toContain('LHR');
    expect(alarm.endReason).toBe(ok.reason);
  });

  it('keeps the history across a restart and clips a period that began before the window', async () => {
    const temp = tempDir();
    const dbPath = `${temp.dir}/propwatch.db`;
    const first = buildTestApp(minFresh, { dbPath });
    await ingest(first.app, timedOut('r1', '100'));
    await first.app.inject('/api/v1/status');
    await first.app.close();
    first.clock.advance(2 * 3_600_000);
    t = buildTestApp(minFresh, { dbPath, clock: first.clock });
    const cleanup = t.cleanup;
    t.cleanup = async () => {
      await cleanup();
      temp.cleanup();
    };
    const body = (await t.app.inject('/api/v1/alarms?window=1h')).json();
    // The restarted aggregator's own evaluations may add changes; the stored alarm is the state at the window start.
    const last = body.periods.at(-1);
    expect(last).toMatchObject({ state: 'alarm', clipped: true, start: new Date(T0 + 3_600_000).toISOString() });
  });

  it.each([['0'], ['31d'], ['soon']])('rejects window=%s with a 400 naming query.window', async (window) => {
    t = buildTestApp();
    const response = await t.app.inject(`/api/v1/alarms?window=${window}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/query\.window|querystring/);
  });

  it('is behind the read token and documented in OpenAPI', async () => {
    t = buildTestApp({ readToken: 'read-token-for-dashboards' });
    expect((await t.app.inject('/api/v1/alarms')).statusCode).toBe(401);
    const spec = (await t.app.inject('/docs/json')).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/alarms', '/api/v1/matrix']));
  });
});

describe('StateChangeLog', () => {
  const change = (at: number) => ({
    at,
    state: 'alarm' as const,
    previous: 'ok' as const,
    reason: `r${at}`,
    pop: null,
    worstMs: null,
  });

  it('keeps at most MAX_STATE_CHANGES rows (the newest) and prunes by age', () => {
    const temp = tempDir();
    const db = new Database(`${temp.dir}/log.db`);
    try {
      migrate(db);
      const log = new StateChangeLog(db);
      db.transaction(() => {
        for (let at = 1; at <= MAX_STATE_CHANGES + 5; at++) log.record(change(at));
      })();
      expect(db.prepare('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM state_changes').get() as object).toEqual({
        n: MAX_STATE_CHANGES,
        oldest: 6,
      });
      expect(log.list(100, 102, 10).changes.map((c) => c.at)).toEqual([102, 101, 100]);
      expect(log.list(100, 102, 10).before?.at).toBe(99);
      expect(log.list(100, 200, 3).changes).toHaveLength(3);
      expect(log.prune(1_000)).toBe(1_000 - 6);
      expect(log.list(0, 999, 10).changes).toEqual([]);
    } finally {
      db.close();
      temp.cleanup();
    }
  });
});
