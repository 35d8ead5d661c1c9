/**
 * GET /api/v1/matrix: the dashboard's banner and POP × probe table come from one status evaluation. The case
 * that used to contradict itself: a POP stuck in a timeout while the probe's next round runs. The table showed
 * a grey "pending ≥ 0.1 s" (the new round's figure) while the banner said alarm on that POP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StuckSince } from '../src/dashboard/stuck-since.js';
import { T0, TOKENS, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

let t: TestApp;
afterEach(async () => t?.cleanup());

const STATUS = { status: { alarmAboveMs: 2_500, clearBelowMs: 1_500 } };
const stuckLhr = (id: string, serial: string, fields: Parameters<typeof report>[1] = {}) =>
  report('p1', {
    id,
    serial,
    pops: [
      pop('FRA'),
      pop('LHR', { state: 'timeout', lowerMs: 3_000, upperMs: undefined, estimateMs: undefined, failures: 3 }),
    ],
    ...fields,
  });

describe('GET /api/v1/matrix', () => {
  it('keeps a timed-out POP in the alarm colour, carried over, while the next round runs (as the banner does)', async () => {
    t = buildTestApp(STATUS);
    // r1: complete, LHR timed out; received at T0 after 3.5 s of round, ack after 120 ms.
    expect((await ingest(t.app, stuckLhr('r1', '100', { elapsedMs: 3_500 }))).statusCode).toBe(200);
    t.clock.advance(1_000);
    // r2 runs: LHR not served yet, a fresh lower bound of 100 ms. FRA served again.
    const running = report('p1', {
      id: 'r2',
      serial: '200',
      state: 'running',
      elapsedMs: 300,
      pops: [pop('FRA'), pop('LHR', { state: 'pending', lowerMs: 100, upperMs: undefined, estimateMs: undefined })],
    });
    expect((await ingest(t.app, running)).statusCode).toBe(200);
    const body = (await t.app.inject('/api/v1/matrix')).json();

    expect(body.status.state).toBe('alarm');
    expect(body.status.worst).toEqual({ probe: 'p1', pop: 'LHR' });
    expect(body.rows.map((r: { pop: string }) => r.pop)).toEqual(['LHR', 'FRA']);
    const lhr = body.rows[0];
    expect(lhr.alarm).toBe(true);
    expect(lhr.cells).toHaveLength(1);
    expect(lhr.cells[0]).toMatchObject({
      probe: 'p1',
      kind: 'censored',
      state: 'timeout',
      ms: 3_000,
      roundId: 'r1',
      carried: true,
      severity: 'bad',
      breaching: true,
      // r1's ack: received at T0, 3.5 s into the round, acknowledged 120 ms in.
      since: new Date(T0 - 3_500 + 120).toISOString(),
    });
    // The banner's figure is the table's figure.
    expect(body.status.worstMs).toBe(lhr.worst.ms);
    expect(body.rows[1].cells[0]).toMatchObject({ pop: 'FRA', kind: 'measured', severity: 'ok', since: null });
    expect(body.probes.find((p: { id: string }) => p.id === 'p1')).toMatchObject({
      presence: 'reporting',
      round: { id: 'r2', state: 'running', timeouts: 0, pops: 2 },
    });
  });

  it('keeps "stuck since" at the first round that missed the POP while it stays stuck round after round', async () => {
    t = buildTestApp(STATUS);
    await ingest(t.app, stuckLhr('r1', '100', { elapsedMs: 3_500 }));
    const first = (await t.app.inject('/api/v1/matrix')).json().rows[0].cells[0].since;
    t.clock.advance(10_000);
    await ingest(t.app, stuckLhr('r2', '200', { elapsedMs: 3_500 }));
    const cell = (await t.app.inject('/api/v1/matrix')).json().rows[0].cells[0];
    expect(cell).toMatchObject({ roundId: 'r2', carried: false, since: first });
    // Served again: measured, no since; stuck again later starts a new since.
    t.clock.advance(10_000);
    await ingest(t.app, report('p1', { id: 'r3', serial: '300', pops: [pop('FRA'), pop('LHR')] }));
    expect(
      (await t.app.inject('/api/v1/matrix'))
        .json()
        .rows.every((r: { worst: { since: null } }) => r.worst.since === null),
    ).toBe(true);
    t.clock.advance(10_000);
    await ingest(t.app, stuckLhr('r4', '400', { elapsedMs: 3_500 }));
    const again = (await t.app.inject('/api/v1/matrix')).json().rows[0].cells[0];
    expect(again.since).toBe(new Date(T0 + 30_000 - 3_500 + 120).toISOString());
  });

  it('ranks POPs worst first across probes and colours by the thresholds', async () => {
    t = buildTestApp(STATUS);
    await ingest(
      t.app,
      report('p1', { pops: [pop('AMS'), pop('SYD', { lowerMs: 1_900, upperMs: 2_100, estimateMs: 2_000 })] }),
    );
    await ingest(
      t.app,
      report('p2', {
        pops: [
          pop('AMS', { lowerMs: 400, upperMs: 600, estimateMs: 500 }),
          pop('NRT', { lowerMs: 900, upperMs: 1_300, estimateMs: 1_100 }),
        ],
      }),
      'p2',
    );
    const body = (await t.app.inject('/api/v1/matrix')).json();
    expect(body.status.state).toBe('ok');
    expect(
      body.rows.map((r: { pop: string; worst: { probe: string; severity: string } }) => [
        r.pop,
        r.worst.probe,
        r.worst.severity,
      ]),
    ).toEqual([
      ['SYD', 'p1', 'warn'],
      ['NRT', 'p2', 'ok'],
      ['AMS', 'p1', 'ok'],
    ]);
    expect(body.rows[2].cells.map((c: { probe: string; ms: number }) => [c.probe, c.ms])).toEqual([
      ['p1', 1_000],
      ['p2', 500],
    ]);
  });

  it('shows configured probes past staleAfterMs as silent and probes no longer configured as left', async () => {
    const temp = tempDir();
    const dbPath = `${temp.dir}/propwatch.db`;
    const first = buildTestApp(STATUS, { dbPath });
    await ingest(first.app, report('p3'), 'p3');
    await ingest(first.app, report('p2'), 'p2');
    await first.app.close();
    t = buildTestApp(
      { ...STATUS, probes: ['p1', 'p2'].map((id) => ({ id, token: TOKENS[id] })) },
      { dbPath, clock: first.clock },
    );
    const cleanup = t.cleanup;
    t.cleanup = async () => {
      await cleanup();
      temp.cleanup();
    };
    t.clock.advance(10 * 60_000);
    await ingest(t.app, report('p1', { id: 'p1-r2' }));
    const probes = (await t.app.inject('/api/v1/matrix')).json().probes;
    expect(probes.map((p: { id: string; presence: string }) => [p.id, p.presence])).toEqual([
      ['p1', 'reporting'],
      ['p2', 'silent'],
      ['p3', 'left'],
    ]);
    expect(probes[2]).toMatchObject({ round: null, lastReportAt: new Date(T0).toISOString() });
  });

  it('is behind the read token', async () => {
    t = buildTestApp({ readToken: 'read-token-for-dashboards' });
    expect((await t.app.inject('/api/v1/matrix')).statusCode).toBe(401);
  });
});

describe('StuckSince', () => {
  it('keeps the earliest since per pair and forgets pairs not noted', () => {
    const stuck = new StuckSince();
    expect(stuck.note('p1', 'LHR', 100)).toBe(100);
    expect(stuck.note('p1', 'LHR', 500)).toBe(100);
    expect(stuck.note('p2', 'LHR', 300)).toBe(300);
    stuck.keepOnly(new Set(['p2\u0000LHR']));
    expect(stuck.size).toBe(1);
    expect(stuck.note('p1', 'LHR', 700)).toBe(700);
  });
});
