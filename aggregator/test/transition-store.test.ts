/**
 * The TransitionStore contract (storage/transition-store.ts) on both backends: a transition is decided once
 * however many stores commit it, its outbox rows are one per target, and a claim's lease lets a row be taken
 * again only after it runs out. Two stores on one database stand for two replicas.
 */
import type { Status } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { transitionId } from '../src/notify/transition.js';
import type { RoundStore } from '../src/storage/round-store.js';
import type { CommitTransition, OutboxDelivery } from '../src/storage/transition-store.js';
import { storeBackends } from './backends.js';
import { T0 } from './helpers.js';

const status = (state: Status['state'], at: number): Status => ({
  state,
  since: new Date(at).toISOString(),
  updatedAt: new Date(at).toISOString(),
  reason: `${state} for the test`,
  worstMs: state === 'alarm' ? 90_000 : null,
  thresholdMs: 30_000,
  worst: state === 'alarm' ? { probe: 'p1', pop: 'LHR' } : null,
  probes: { fresh: 1, expected: 1 },
});

const OK = status('ok', T0);
const ALARM = status('alarm', T0 + 60_000);
const ID = transitionId(OK, ALARM);
const deliveries = (id: string, state = 'alarm'): OutboxDelivery[] =>
  ['sha256:a', 'sha256:b'].map((target) => ({ webhookId: id, target, state, body: `{"state":"${state}"}` }));

function alarmAfterOk(expectedVersion: number): CommitTransition {
  return {
    expectedVersion,
    status: ALARM,
    change: { at: T0 + 60_000, state: 'alarm', previous: 'ok', reason: ALARM.reason, pop: 'LHR', worstMs: 90_000 },
    deliveries: deliveries(ID),
    now: T0 + 60_000,
  };
}

/** Every row of `target` as the deliverers see it: claimed one after another and marked delivered. */
async function drain(store: RoundStore, target: string, now: number): Promise<string[]> {
  const ids: string[] = [];
  for (
    let claim = await store.claimOutbox(target, now, 10_000);
    claim;
    claim = await store.claimOutbox(target, now, 10_000)
  ) {
    ids.push(claim.webhookId);
    await store.finishOutbox(claim, { kind: 'delivered' }, now);
  }
  return ids;
}

describe.each(storeBackends())('$name: transitions and the outbox', (backend) => {
  beforeAll(backend.setup);
  afterAll(backend.teardown);

  test('the first status is stored as version 1; a commit from a stale version changes nothing', async () => {
    const place = await backend.place();
    const store = place.open();
    expect(await store.statusRow()).toEqual({ version: 0, status: null });
    const first = await store.commitTransition({
      expectedVersion: 0,
      status: OK,
      change: null,
      deliveries: [],
      now: T0,
    });
    expect(first).toEqual({ committed: true, current: { version: 1, status: OK } });
    const stale = await store.commitTransition(alarmAfterOk(0));
    expect(stale).toEqual({ committed: false, current: { version: 1, status: OK } });
    expect(await store.nextOutboxDue('sha256:a')).toBeNull();
    expect((await store.stateChanges(0, T0 + 86_400_000, 10)).changes).toEqual([]);
    await place.cleanup();
  });

  test('two replicas commit the same transition at once: one decides it, one outbox row per target', async () => {
    const place = await backend.place();
    const a = place.open();
    const b = place.open();
    await a.commitTransition({ expectedVersion: 0, status: OK, change: null, deliveries: [], now: T0 });
    const results = await Promise.all([a.commitTransition(alarmAfterOk(1)), b.commitTransition(alarmAfterOk(1))]);
    expect(results.map((r) => r.committed).sort()).toEqual([false, true]);
    for (const result of results) expect(result.current).toEqual({ version: 2, status: ALARM });
    expect(await drain(a, 'sha256:a', T0 + 60_000)).toEqual([ID]);
    expect(await drain(b, 'sha256:b', T0 + 60_000)).toEqual([ID]);
    const history = await b.stateChanges(0, T0 + 86_400_000, 10);
    expect(history.changes.map((c) => `${c.previous}->${c.state}`)).toEqual(['ok->alarm']);
    await place.cleanup();
  });

  test('the same delivery queued again (same webhook-id and target) stays one row', async () => {
    const place = await backend.place();
    const store = place.open();
    await store.commitTransition({ expectedVersion: 0, status: OK, change: null, deliveries: [], now: T0 });
    await store.commitTransition(alarmAfterOk(1));
    // A second decision carrying the same transition's rows (e.g. committed again after a lost answer).
    const again = await store.commitTransition({ ...alarmAfterOk(2), change: null });
    expect(again.committed).toBe(true);
    expect(await drain(store, 'sha256:a', T0 + 60_000)).toEqual([ID]);
    await place.cleanup();
  });

  test('a claim holds its row until the lease ends; then it is claimed again with the same webhook-id', async () => {
    const place = await backend.place();
    const a = place.open();
    const b = place.open();
    await a.commitTransition({ expectedVersion: 0, status: OK, change: null, deliveries: [], now: T0 });
    await a.commitTransition(alarmAfterOk(1));
    const now = T0 + 60_000;
    // Not due before it was queued.
    expect(await b.claimOutbox('sha256:a', now - 1, 10_000)).toBeNull();
    const first = await a.claimOutbox('sha256:a', now, 10_000);
    expect(first).toMatchObject({ webhookId: ID, attempt: 1, claimedUntil: now + 10_000, state: 'alarm' });
    expect(first!.body).toBe('{"state":"alarm"}');
    // Replica a "dies" holding the claim: b finds nothing before the lease ends, and knows when to look again.
    expect(await b.claimOutbox('sha256:a', now + 9_999, 10_000)).toBeNull();
    expect(await b.nextOutboxDue('sha256:a')).toBe(now + 10_000);
    const second = await b.claimOutbox('sha256:a', now + 10_000, 10_000);
    expect(second).toMatchObject({ id: first!.id, webhookId: ID, attempt: 2 });
    // The dead claim's late outcome (a retry) is moot: the row stays b's.
    await a.finishOutbox(first!, { kind: 'retry', at: now + 10_001, error: 'HTTP 500' }, now + 10_001);
    expect(await b.nextOutboxDue('sha256:a')).toBe(now + 20_000);
    await b.finishOutbox(second!, { kind: 'delivered' }, now + 10_002);
    expect(await b.nextOutboxDue('sha256:a')).toBeNull();
    // The other target's row is untouched by all this.
    expect(await b.nextOutboxDue('sha256:b')).toBe(now);
    await place.cleanup();
  });

  test('a retry is due at its time; a given-up row is done; done rows are pruned with retention', async () => {
    const place = await backend.place();
    const store = place.open();
    await store.commitTransition({ expectedVersion: 0, status: OK, change: null, deliveries: [], now: T0 });
    await store.commitTransition(alarmAfterOk(1));
    const now = T0 + 60_000;
    const claim = await store.claimOutbox('sha256:a', now, 10_000);
    await store.finishOutbox(claim!, { kind: 'retry', at: now + 2_000, error: 'HTTP 503' }, now + 5);
    expect(await store.nextOutboxDue('sha256:a')).toBe(now + 2_000);
    expect(await store.claimOutbox('sha256:a', now + 1_999, 10_000)).toBeNull();
    const retry = await store.claimOutbox('sha256:a', now + 2_000, 10_000);
    expect(retry).toMatchObject({ attempt: 2 });
    await store.finishOutbox(retry!, { kind: 'failed', error: 'HTTP 503' }, now + 2_010);
    expect(await store.nextOutboxDue('sha256:a')).toBeNull();
    await store.prune(now + 3_000);
    // The pending row of target b was queued before the cut too: retention bounds rows nobody delivers.
    expect(await store.nextOutboxDue('sha256:b')).toBeNull();
    // The status row is no history: pruning leaves it.
    expect((await store.statusRow()).status).toEqual(ALARM);
    await place.cleanup();
  });
});
