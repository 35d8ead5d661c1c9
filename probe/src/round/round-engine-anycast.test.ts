/**
 * The round engine with several queries in flight per target, answers out of
 * order, lost packets and anycast catchments that move, on fake timers. The
 * checks are models of a server: each query is decided (served or not) when
 * it reaches the server, half a round trip after it was sent.
 */
import { systemClock } from '@propwatch/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findReportProblems } from '../report/check-report.js';
import type { CanaryWriter } from '../writers/writer.js';
import { createPopFromNsid } from './pop-from-nsid.js';
import { runRound, type RoundSettings } from './round-engine.js';
import type { CheckCanary, CheckOutcome, Target } from './types.js';

const settings: RoundSettings = {
  probe: { id: 'p1', region: 'test', version: '0.0.0' },
  zone: 'propwatch.test',
  record: 'p1._propwatch.propwatch.test',
  ttl: 60,
  pollIntervalMs: 20,
  queryTimeoutMs: 1000,
  maxWaitMs: 3000,
  progressMs: 1000,
  concurrency: 256,
};

const writer: CanaryWriter = {
  kind: 'fake',
  write: async () => ({ ok: true, submitToAckMs: 0, ackAt: performance.now() }),
};

const ns1: Target = { name: 'ns1', address: '198.51.100.1', port: 53, kind: 'anycast' };
const lhr: Target = { name: 'LHR', address: '192.0.2.1', port: 53 };
const popFromNsid = createPopFromNsid({ pattern: '^(?<pop>[a-z]{3})1\\.' });

interface ServerModel {
  /** ms after the ack from which `pop` serves the serial. */
  servesFrom: Record<string, number>;
  /** Which instance a query that reaches the address at `atMs` (after the ack) gets. */
  catchment?: (atMs: number) => string;
  /** One-way delays of the query sent at `sentMs`: [to the server, back]. */
  delays?: (sentMs: number, index: number) => [number, number];
  /** Queries (by index, from 0) that are lost: they time out after queryTimeoutMs. */
  lost?: (index: number, sentMs: number) => boolean;
}

/** A check that follows the model, on the fake clock; records each query's send time (ms after the ack). */
function model(server: ServerModel, ackAt: () => number, sent: number[] = []): CheckCanary {
  return async (target, question, signal) => {
    const index = sent.length;
    const sentMs = performance.now() - ackAt();
    sent.push(sentMs);
    const wait = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), ms);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve(false)), { once: true });
      });
    if (server.lost?.(index, sentMs)) {
      if (!(await wait(settings.queryTimeoutMs!))) return { kind: 'aborted' };
      return { kind: 'failure', reason: 'timeout', answered: false } satisfies CheckOutcome;
    }
    const [there, back] = server.delays?.(sentMs, index) ?? [25, 25];
    if (!(await wait(there))) return { kind: 'aborted' };
    const decidedMs = performance.now() - ackAt();
    const pop = target.kind === 'anycast' ? (server.catchment?.(decidedMs) ?? 'lhr') : target.name.toLowerCase();
    const serving = decidedMs >= (server.servesFrom[pop] ?? Infinity);
    if (!(await wait(back))) return { kind: 'aborted' };
    const nsid = `${pop}1.example`;
    return serving
      ? { kind: 'hit', servedSerial: question.serial, nsid, rttMs: there + back }
      : { kind: 'miss', why: 'nxdomain', nsid, rttMs: there + back };
  };
}

async function round(targets: Target[], server: ServerModel, overrides: Partial<RoundSettings> = {}) {
  let ackAt = NaN;
  const sent: number[] = [];
  const check = model(server, () => ackAt, sent);
  const wrapped: CanaryWriter = {
    kind: 'fake',
    write: async (change, signal) => {
      const result = await writer.write(change, signal);
      if (result.ok) ackAt = result.ackAt;
      return result;
    },
  };
  const done = runRound({ ...settings, ...overrides }, targets, 7n, {
    writer: wrapped,
    check,
    clock: systemClock,
    popFromNsid,
  });
  await vi.advanceTimersByTimeAsync((overrides.maxWaitMs ?? settings.maxWaitMs) + 2000);
  const outcome = await done;
  expect(findReportProblems(outcome.report)).toEqual([]);
  return { ...outcome, sent };
}

describe('runRound: the schedule', () => {
  beforeEach(() =>
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] }),
  );
  afterEach(() => vi.useRealTimers());

  it('samples every poll interval whatever the round trip: 250 ms RTT at 20 ms still sends every 20 ms', async () => {
    const { report, sent } = await round([lhr], {
      servesFrom: { lhr: 1500 },
      delays: () => [125, 125],
    });
    // Until the first hit arrives (sent ~1380, received ~1630), a query left every 20 ms.
    const before = sent.filter((ms) => ms < 1380);
    expect(before).toEqual(before.map((_, k) => k * 20));
    expect(before.length).toBe(69);
    const [result] = report.round.pops;
    expect(result).toMatchObject({ pop: 'LHR', state: 'propagated', lowerMs: 1360, upperMs: 1630 });
    // The interval is the poll interval plus one round trip, not a multiple of the round trip.
    expect(result!.upperMs! - result!.lowerMs).toBe(20 + 250);
  });

  it('one lost UDP packet costs one poll interval, not the query timeout', async () => {
    // The first query decided after the change (sent at 980, reaching the server at 1005) is lost.
    const { report } = await round([lhr], {
      servesFrom: { lhr: 1000 },
      lost: (_, sentMs) => sentMs === 980,
    });
    const [result] = report.round.pops;
    // Without the loss: [960, 1030]. With it: the next slot (sent 1000) gives the hit 20 ms later.
    expect(result).toMatchObject({ state: 'propagated', lowerMs: 960, upperMs: 1050, failures: 1 });
    expect(result!.lastError).toBe('timeout');
  });

  it('keeps the schedule through a target that never answers: a query every interval, each timing out', async () => {
    let inFlight = 0;
    let most = 0;
    const silent =
      (lastsMs: number): CheckCanary =>
      async (_target, _question, signal) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, lastsMs);
          signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        inFlight--;
        return signal?.aborted ? { kind: 'aborted' } : { kind: 'failure', reason: 'timeout', answered: false };
      };
    const done = runRound(settings, [lhr], 7n, { writer, check: silent(1000), clock: systemClock });
    await vi.advanceTimersByTimeAsync(5000);
    const { report } = await done;
    // One query per 20 ms for 3 s; those sent in the last second were cut short by the deadline (not counted).
    expect(most).toBe(50);
    expect(report.round.pops[0]).toMatchObject({ state: 'unreachable', queries: 100, failures: 100 });

    // A check that outlives the query timeout (a CHAOS fallback doubles it) meets the bound: 1000 / 20 + 1.
    most = 0;
    const bounded = runRound(settings, [lhr], 8n, { writer, check: silent(5000), clock: systemClock });
    await vi.advanceTimersByTimeAsync(5000);
    await bounded;
    expect(most).toBe(51);
  });

  it('caps the rate at perTargetQps even with answers that take longer than the interval', async () => {
    const { sent } = await round([lhr], { servesFrom: {}, delays: () => [150, 150] }, { perTargetQps: 5 });
    expect(sent).toEqual(Array.from({ length: 15 }, (_, k) => k * 200));
  });

  it('keeps the bounds honest with answers arriving in any order', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      let state = seed;
      const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 200;
      const delays = new Map<number, [number, number]>();
      const truth = 700 + seed * 37;
      const { report } = await round([lhr], {
        servesFrom: { lhr: truth },
        delays: (_sent, index) => {
          if (!delays.has(index)) delays.set(index, [1 + Math.round(random()), Math.round(random())]);
          return delays.get(index)!;
        },
      });
      const [result] = report.round.pops;
      expect(result!.state).toBe('propagated');
      expect(result!.lowerMs).toBeLessThanOrEqual(truth);
      expect(result!.upperMs).toBeGreaterThanOrEqual(truth);
    }
  });
});

describe('runRound: anycast', () => {
  beforeEach(() =>
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] }),
  );
  afterEach(() => vi.useRealTimers());

  it('reports both instances when the catchment moves mid-round, never mixing their samples', async () => {
    // ns1 reaches LHR until 500 ms, then FRA; FRA serves from 300 ms, LHR only from 2500 ms.
    const { report, targets } = await round([ns1], {
      servesFrom: { lhr: 2500, fra: 300 },
      catchment: (atMs) => (atMs < 500 ? 'lhr' : 'fra'),
    });
    const [lhrResult, fraResult] = report.round.pops;
    // LHR: last seen missing by the query sent at 460 (it reached LHR at 485): censored there, not stuck.
    expect(lhrResult).toMatchObject({ pop: 'LHR', via: 'ns1', targetKind: 'anycast', state: 'rerouted', lowerMs: 460 });
    expect(lhrResult).toMatchObject({ nsid: 'lhr1.example', target: '198.51.100.1:53' });
    // FRA was never seen missing: its own bounds start at 0, not at LHR's last miss.
    expect(fraResult).toMatchObject({ pop: 'FRA', state: 'propagated', lowerMs: 0, upperMs: 530 });
    expect(report.round.elapsedMs).toBeLessThan(600);
    expect(targets).toEqual([
      { via: 'ns1', kind: 'anycast', catchment: 'FRA', catchmentChanges: 1, unidentified: 0, backwards: {} },
    ]);
  });

  it('a catchment that flaps keeps each instance to its own samples, and measures the one it ends on', async () => {
    // LHR, FRA, LHR, FRA … every 100 ms; LHR serves from 1000 ms, FRA never does.
    const { report, targets } = await round([ns1], {
      servesFrom: { lhr: 1000 },
      catchment: (atMs) => (Math.floor(atMs / 100) % 2 === 0 ? 'lhr' : 'fra'),
    });
    const byPop = Object.fromEntries(report.round.pops.map((p) => [p.pop, p]));
    // LHR's last miss was sent at 860 (it reached LHR at 885); its first hit at 980 came back at 1030. FRA's
    // misses in between (the last sent at 960) say nothing about LHR: mixed, the lower bound would be 960.
    expect(byPop.LHR).toMatchObject({ state: 'propagated', lowerMs: 860, upperMs: 1030 });
    // FRA was left while it missed: censored at its last miss, never a timeout.
    expect(byPop.FRA).toMatchObject({ state: 'rerouted', lowerMs: 960 });
    expect(targets[0]!.catchmentChanges).toBe(10);
  });

  it('times out the instance reached at the end, and calls an address with no instance named unreachable', async () => {
    const ns2: Target = { name: 'ns2', address: '198.51.100.2', port: 53, kind: 'anycast' };
    const nowhere: CheckCanary = async (target, question, signal) =>
      target.name === 'ns2'
        ? { kind: 'failure', reason: 'network: sending to 198.51.100.2#53 failed: ENETUNREACH', answered: false }
        : model({ servesFrom: {}, catchment: () => 'sin' }, () => 0)(target, question, signal);
    const done = runRound(settings, [ns1, ns2], 7n, { writer, check: nowhere, clock: systemClock, popFromNsid });
    await vi.advanceTimersByTimeAsync(5000);
    const { report } = await done;
    expect(findReportProblems(report)).toEqual([]);
    expect(report.round.pops).toMatchObject([
      { pop: 'SIN', via: 'ns1', state: 'timeout', lowerMs: 3000 },
      {
        pop: 'ns2',
        via: 'ns2',
        state: 'unreachable',
        lowerMs: 3000,
        lastError: expect.stringContaining('ENETUNREACH'),
      },
    ]);
  });
});
