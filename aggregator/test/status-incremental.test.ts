/**
 * The StatusTracker evaluates incrementally (per-probe observations cached,
 * recomputed only when they can have changed). These tests hold it to the
 * from-scratch evaluation, evaluateStatus over the same views, at every step
 * of random report sequences: several probes, running / complete /
 * write_failed rounds, replays of older rounds, duplicates, time passing
 * (also backwards), timer ticks and reads.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PopResult, RoundState, Status } from '@propwatch/shared';
import { type StatusEvaluation, type StatusSettings, evaluateStatus } from '../src/status/evaluate-status.js';
import { StatusTracker } from '../src/status/status-tracker.js';
import type { RoundStore, StoredRound, UpsertResult } from '../src/storage/round-store.js';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { type StorePlace, storeBackends } from './backends.js';
import { isFurtherAlong } from '../src/storage/round-order.js';
import { compareRounds } from '../src/storage/round-sequence.js';
import { MAX_SINGLE_OBSERVER_ROUNDS } from '../src/status/pop-quorum.js';
import { type ExpectedSource, NOTHING_EXPECTED } from '../src/catchments/coverage.js';

/** Coverage measured against a configured list (FRA: a POP no generated report names, always blind). */
const CONFIGURED: ExpectedSource = { basis: 'configured', pops: () => new Set(['LHR', 'SIN', 'NRT', 'FRA']) };

const T0 = Date.parse('2026-03-01T00:00:00Z');
const PROBES = ['p1', 'p2', 'p3'];
const BASE: StatusSettings = {
  alarmAboveMs: 30_000,
  clearBelowMs: 20_000,
  quorum: 1,
  minFreshProbes: 1,
  staleAfterMs: 60_000,
  maxExtrapolationMs: 5_000,
  windowMs: 120_000,
  degradedAfterWriteFailures: 2,
};

interface ReportSpec {
  probe: string;
  /** Round number; rounds 2k and 2k+1 share a start time, so ties are broken by first arrival. */
  round: number;
  state: RoundState;
  elapsedMs: number;
  pops: PopResult[];
}

type Step =
  { kind: 'reports'; advanceMs: number; reports: ReportSpec[] } | { kind: 'tick' | 'read'; advanceMs: number };

const msArb = fc.oneof(
  fc.constantFrom(0, 5_000, 19_999, 20_000, 25_000, 29_000, 30_000, 30_001, 45_000, 60_000),
  fc.integer({ min: 0, max: 70_000 }),
);
// Unicast POPs as before, and anycast results: an instance seen through ns1 (which instance answers moves from
// report to report: catchment changes), a rerouted instance, an unreachable target (named after it).
const popArb: fc.Arbitrary<PopResult> = fc
  .record({
    pop: fc.constantFrom('LHR', 'SIN', 'NRT'),
    state: fc.constantFrom<PopResult['state']>(
      'propagated',
      'timeout',
      'pending',
      'failing',
      'rerouted',
      'unreachable',
    ),
    anycast: fc.boolean(),
    lowerMs: msArb,
    widthMs: fc.integer({ min: 0, max: 4_000 }),
  })
  .map(({ pop, state, anycast, lowerMs, widthMs }) => {
    const kind = anycast || state === 'rerouted' ? 'anycast' : 'unicast';
    const name = kind === 'anycast' && state === 'unreachable' ? 'ns1' : pop;
    return {
      pop: name,
      target: kind === 'anycast' ? '192.0.2.53:53' : `${pop}:53`,
      via: kind === 'anycast' ? 'ns1' : pop,
      targetKind: kind,
      state,
      lowerMs,
      ...(state === 'propagated' ? { upperMs: lowerMs + widthMs, estimateMs: lowerMs + widthMs / 2 } : {}),
      queries: 3,
      failures: 0,
    };
  });
const reportArb: fc.Arbitrary<ReportSpec> = fc.record({
  probe: fc.constantFrom(...PROBES),
  round: fc.integer({ min: 0, max: 7 }),
  state: fc.constantFrom<RoundState>('running', 'running', 'complete', 'complete', 'write_failed'),
  elapsedMs: fc.integer({ min: 0, max: 60_000 }),
  pops: fc.array(popArb, { maxLength: 4 }),
});
const advanceArb = fc.constantFrom(0, 0, 1, 300, 1_000, 2_500, 4_999, 5_000, 30_000, 61_000, 125_000, -1_000);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reports' as const),
      advanceMs: advanceArb,
      reports: fc.array(reportArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), advanceMs: advanceArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), advanceMs: advanceArb }) },
);
// A short window makes rounds leave it between steps often, the previous complete round before the running one.
const settingsArb = fc
  .record({
    quorum: fc.integer({ min: 1, max: 3 }),
    singleObserverRounds: fc.integer({ min: 1, max: 3 }),
    minCoverage: fc.constantFrom(0, 0, 0.6, 1),
    minFreshProbes: fc.integer({ min: 1, max: 2 }),
    windowMs: fc.constantFrom(20_000, 120_000),
    maxExtrapolationMs: fc.constantFrom(0, 5_000),
  })
  .map((s) => ({ ...BASE, ...s }));

/** The store's upsert rules: a report replaces the stored round only when further along; the first arrival is kept. */
class ModelStore {
  readonly rounds = new Map<string, StoredRound>();
  /** Every round ever stored as complete (its latest complete version): what the tracker has measured. */
  readonly completed = new Map<string, StoredRound>();

  /** The round a report stands for, as stored at `now` when first received then. */
  static round(spec: ReportSpec, now: number, stored?: StoredRound): StoredRound {
    const id = `${spec.probe}-r${spec.round}`;
    return {
      probe: { id: spec.probe, region: 'r', version: '1' },
      id,
      zone: 'z',
      record: 'x',
      serial: String(1_772_000_000_000 + spec.round),
      startedAt: new Date(T0 + Math.floor(spec.round / 2) * 30_000).toISOString(),
      state: spec.state,
      elapsedMs: spec.elapsedMs,
      write:
        spec.state === 'write_failed'
          ? { submitToAckMs: 1, error: `403 on round ${spec.round}` }
          : { submitToAckMs: 1 },
      pops: spec.state === 'write_failed' ? [] : spec.pops,
      firstReceivedAt: stored?.firstReceivedAt ?? now,
      receivedAt: now,
    };
  }

  upsert(spec: ReportSpec, now: number): UpsertResult {
    const stored = this.rounds.get(`${spec.probe}-r${spec.round}`);
    const incoming = ModelStore.round(spec, now, stored);
    const { id } = incoming;
    if (incoming.state === 'complete' && (!stored || isFurtherAlong(stored, incoming)))
      this.completed.set(id, incoming);
    if (!stored) {
      this.rounds.set(id, incoming);
      return { outcome: 'inserted', previous: null, current: incoming };
    }
    if (!isFurtherAlong(stored, incoming)) return { outcome: 'unchanged', previous: stored, current: stored };
    this.rounds.set(id, incoming);
    return { outcome: 'updated', previous: stored, current: incoming };
  }
}

function expectSameEvaluation(actual: StatusEvaluation, expected: StatusEvaluation): void {
  expect(actual.status).toEqual(expected.status);
  expect(actual.worst).toEqual(expected.worst);
  expect(actual.alarmPop).toBe(expected.alarmPop);
  expect(actual.breaching).toEqual(expected.breaching);
  expect(actual.breaches).toEqual(expected.breaches);
  expect(actual.observations).toEqual(expected.observations);
  expect(actual.quorumWorstMs).toBe(expected.quorumWorstMs);
  expect(actual.coverage).toEqual(expected.coverage);
}

/** The tracker keeps each probe's newest complete rounds (corroboration of a breach below quorum): the store's. */
function expectRecentComplete(tracker: StatusTracker, store: ModelStore): void {
  for (const view of tracker.views()) {
    const complete = [...store.completed.values()]
      .filter((round) => round.probe.id === view.id)
      .sort((a, b) => compareRounds(b, a))
      .slice(0, MAX_SINGLE_OBSERVER_ROUNDS);
    expect((view.recentComplete ?? []).map((r) => r.id)).toEqual(complete.map((r) => r.id));
  }
}

describe('incremental status evaluation equals the from-scratch evaluation', () => {
  test('at every step of random report sequences, ticks and reads', () => {
    const seen = new Set<Status['state']>();
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(reportArb, { maxLength: 6 }),
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom<ExpectedSource>(NOTHING_EXPECTED, CONFIGURED),
        (settings, restored, steps, expected) => {
          let now = T0;
          const tracker = new StatusTracker(settings, PROBES, { now: () => now }, expected);
          const store = new ModelStore();
          // The tracker evaluates once when built (no data yet), and again after restoring rounds stored before start.
          let reference = evaluateStatus(null, tracker.views(), settings, now, expected);
          for (const spec of restored) store.upsert(spec, now - 10_000);
          tracker.restore([...store.rounds.values()], new Map(PROBES.map((id) => [id, now - 10_000])), new Map());
          // A restart knows only what storage holds now.
          store.completed.clear();
          for (const round of store.rounds.values())
            if (round.state === 'complete') store.completed.set(round.id, round);
          reference = evaluateStatus(reference.status, tracker.views(), settings, now, expected);
          expectSameEvaluation(tracker.evaluation, reference);
          for (const step of steps) {
            now += step.advanceMs;
            if (step.kind === 'reports') {
              for (const spec of step.reports) tracker.record(store.upsert(spec, now), now);
            }
            // A read after reports and a timer tick each evaluate once; a read with no new report does not.
            if (step.kind !== 'read')
              reference = evaluateStatus(reference.status, tracker.views(), settings, now, expected);
            const actual = step.kind === 'tick' ? tracker.evaluate() : tracker.evaluation;
            expectSameEvaluation(actual, reference);
            expectRecentComplete(tracker, store);
            seen.add(actual.status.state);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The generators reach every state, so the comparison covers each branch of the state machine.
    expect([...seen].sort()).toEqual(['alarm', 'degraded', 'ok', 'stale']);
  });
});

/** The report a ReportSpec stands for (what ModelStore.upsert stores). */
function reportOf(spec: ReportSpec) {
  const { probe, id, zone, record, serial, startedAt, state, elapsedMs, write, pops } = ModelStore.round(spec, 0);
  return {
    wireVersion: 1 as const,
    probe,
    round: { id, zone, record, serial, startedAt, state, elapsedMs, write, pops },
  };
}

describe.each(storeBackends())('incremental status equals the from-scratch evaluation, stored on $name', (backend) => {
  beforeAll(backend.setup);
  afterAll(backend.teardown);
  let place: StorePlace;
  let shared: RoundStore | undefined;
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    place = await backend.place();
    if (backend.name === 'postgres') {
      shared = place.open();
      await shared.checkWritable();
      admin = new pg.Client({ connectionString: place.url! });
      await admin.connect();
    }
  });
  afterAll(async () => {
    await admin?.end();
    await place.cleanup();
  });
  /** An empty store per run: a new in-memory SQLite database, or the PostgreSQL tables emptied. */
  const emptyStore = async (): Promise<RoundStore> => {
    if (!shared || !admin) return new SqliteRoundStore({ path: ':memory:' });
    await admin.query(
      `TRUNCATE rounds, pop_results, probes, pop_series, rollup_1m, rollup_10m, rollup_1h, state_changes,
        catchment_changes RESTART IDENTITY`,
    );
    return shared;
  };

  // The tracker fed by the store's own upsert results, restored from the store's reads as at start (status-plugin);
  // the store's outcomes must be the model's.
  test('at every step of random report sequences, ticks and reads', async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArb,
        fc.array(reportArb, { maxLength: 6 }),
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.constantFrom<ExpectedSource>(NOTHING_EXPECTED, CONFIGURED),
        async (settings, restored, steps, expected) => {
          let now = T0;
          const store = await emptyStore();
          const model = new ModelStore();
          const upsert = async (spec: ReportSpec) => {
            const result = await store.upsertRound(reportOf(spec), now);
            const modelled = model.upsert(spec, now);
            expect(result.outcome).toBe(modelled.outcome);
            expect(result.current).toMatchObject({
              id: modelled.current.id,
              state: modelled.current.state,
              elapsedMs: modelled.current.elapsedMs,
              firstReceivedAt: modelled.current.firstReceivedAt,
              receivedAt: modelled.current.receivedAt,
            });
            return result;
          };
          const tracker = new StatusTracker(settings, PROBES, { now: () => now }, expected);
          let reference = evaluateStatus(null, tracker.views(), settings, now, expected);
          now -= 10_000;
          for (const spec of restored) await upsert(spec);
          now += 10_000;
          // Restored as the model test restores (every probe seen 10 s ago, no heads), from the store's rounds.
          tracker.restore(
            await store.roundsSince(now - settings.windowMs),
            new Map(PROBES.map((id) => [id, now - 10_000])),
            new Map(),
          );
          reference = evaluateStatus(reference.status, tracker.views(), settings, now, expected);
          expectSameEvaluation(tracker.evaluation, reference);
          for (const step of steps) {
            now += step.advanceMs;
            if (step.kind === 'reports') {
              // Stored first, then recorded in one go: the tracker evaluates on setImmediate after a record, which
              // an await between records would let run mid-step (the synchronous test never yields).
              const results: UpsertResult[] = [];
              for (const spec of step.reports) results.push(await upsert(spec));
              for (const result of results) tracker.record(result, now);
            }
            if (step.kind !== 'read')
              reference = evaluateStatus(reference.status, tracker.views(), settings, now, expected);
            const actual = step.kind === 'tick' ? tracker.evaluate() : tracker.evaluation;
            expectSameEvaluation(actual, reference);
          }
          if (store !== shared) await store.close();
        },
      ),
      // A network round trip per statement: fewer runs on PostgreSQL.
      { numRuns: backend.name === 'postgres' ? 30 : 100 },
    );
  }, 180_000);
});

describe('what an evaluation recomputes', () => {
  const complete = (probe: string, round: number): ReportSpec => ({
    probe,
    round,
    state: 'complete',
    elapsedMs: 9_000,
    pops: [
      {
        pop: 'LHR',
        target: 'LHR:53',
        state: 'propagated',
        lowerMs: 900,
        upperMs: 1_100,
        estimateMs: 1_000,
        queries: 3,
        failures: 0,
      },
    ],
  });
  const running = (probe: string, round: number): ReportSpec => ({
    probe,
    round,
    state: 'running',
    elapsedMs: 1_000,
    pops: [{ pop: 'LHR', target: 'LHR:53', state: 'pending', lowerMs: 1_000, queries: 3, failures: 0 }],
  });

  test('the previous round leaving the window drops its carry-over although the running round has not changed', () => {
    let now = T0;
    const settings = { ...BASE, windowMs: 20_000 };
    const tracker = new StatusTracker(settings, ['p1'], { now: () => now });
    const store = new ModelStore();
    const timedOut = {
      ...complete('p1', 0),
      pops: [{ pop: 'LHR', target: 'LHR:53', state: 'timeout' as const, lowerMs: 45_000, queries: 3, failures: 0 }],
    };
    tracker.record(store.upsert(timedOut, now), now);
    now += 10_000;
    tracker.record(store.upsert(running('p1', 2), now), now);
    // LHR timed out in the previous round and is still pending in the running one: it stays 45 s late.
    expect(tracker.status).toMatchObject({ state: 'alarm', worstMs: 45_000 });
    now += 6_000; // the running round's bound has stopped growing (maxExtrapolationMs 5 s)
    const before = tracker.evaluate().status;
    now += 5_000; // the previous round's report is now 21 s old, past the 20 s window; the running one's 11 s
    const evaluation = tracker.evaluate();
    expect(evaluation.status).toMatchObject({ state: 'ok', worstMs: 6_000 });
    expect(evaluation.status).toEqual(evaluateStatus(before, tracker.views(), settings, now).status);
  });

  test('a report recomputes only its probe; a tick only probes whose running bounds still grow', () => {
    let now = T0;
    const probes = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const tracker = new StatusTracker(BASE, probes, { now: () => now });
    const store = new ModelStore();
    for (const probe of probes) tracker.record(store.upsert(complete(probe, 0), now), now);
    void tracker.status;
    expect(tracker.lastRecomputed).toBe(50);

    now += 1_000;
    tracker.record(store.upsert(complete('p7', 2), now), now);
    void tracker.status;
    expect(tracker.lastRecomputed).toBe(1);

    tracker.record(store.upsert(running('p3', 2), now), now);
    tracker.record(store.upsert(running('p4', 2), now), now);
    void tracker.status;
    expect(tracker.lastRecomputed).toBe(2);

    now += 1_000;
    expect(tracker.evaluate().worst).toMatchObject({ kind: 'lower-bound', ms: 2_000 });
    expect(tracker.lastRecomputed).toBe(2);
    // Past maxExtrapolationMs the bounds stop growing: nothing to recompute until a round leaves the window.
    now += 5_000;
    expect(tracker.evaluate().worst).toMatchObject({ kind: 'lower-bound', ms: 6_000 });
    now += 1_000;
    tracker.evaluate();
    expect(tracker.lastRecomputed).toBe(0);
    now += BASE.windowMs;
    expect(tracker.evaluate().status.state).toBe('stale');
    expect(tracker.lastRecomputed).toBe(50);
  });
});
