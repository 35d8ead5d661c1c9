import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceBounds } from './instance-bounds.js';

/** One query: sent, decided by the server (what it served then), received; a hit when decided at or after the truth. */
interface Sample {
  sentMs: number;
  decidedMs: number;
  receivedMs: number;
}

const samples = fc
  .record({
    truth: fc.integer({ min: 0, max: 5000 }),
    queries: fc.array(
      fc.record({
        sentMs: fc.integer({ min: 0, max: 6000 }),
        there: fc.integer({ min: 1, max: 300 }),
        back: fc.integer({ min: 0, max: 300 }),
      }),
      { minLength: 1, maxLength: 40 },
    ),
    order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  })
  .map(({ truth, queries, order }) => ({
    truth,
    samples: queries.map((q): Sample => ({
      sentMs: q.sentMs,
      decidedMs: q.sentMs + q.there,
      receivedMs: q.sentMs + q.there + q.back,
    })),
    order,
  }));

function apply(bounds: InstanceBounds, sample: Sample, truth: number): unknown {
  return sample.decidedMs >= truth ? bounds.hit(sample.receivedMs) : bounds.miss(sample.sentMs);
}

/** The samples in an order given by `keys` (answers may arrive in any order with several in flight). */
function shuffled<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % keys.length]! }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.item);
}

describe('InstanceBounds', () => {
  it('property: whatever order the answers arrive in, the bounds are the same and contain the truth', () => {
    fc.assert(
      fc.property(samples, ({ truth, samples: list, order }) => {
        const inOrder = new InstanceBounds();
        const anyOrder = new InstanceBounds();
        // A server that, once serving, keeps serving never goes backwards, in either order.
        for (const s of [...list].sort((a, b) => a.receivedMs - b.receivedMs))
          expect(apply(inOrder, s, truth)).toBeUndefined();
        for (const s of shuffled(list, order)) expect(apply(anyOrder, s, truth)).toBeUndefined();
        expect([anyOrder.lowerMs, anyOrder.upperMs]).toEqual([inOrder.lowerMs, inOrder.upperMs]);
        expect(anyOrder.lowerMs).toBeLessThanOrEqual(truth);
        if (anyOrder.upperMs !== undefined) expect(anyOrder.upperMs).toBeGreaterThanOrEqual(truth);
        expect(anyOrder.backwards).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('lower = latest send of a miss, upper = earliest receive of a hit, whichever arrives first', () => {
    const bounds = new InstanceBounds();
    // Sent 0/20/40 with a 250 ms round trip; the answer to the query sent at 20 overtakes the one sent at 0.
    bounds.hit(290); // sent 40
    bounds.miss(20);
    expect(bounds.propagated).toBe(true);
    bounds.miss(0);
    bounds.hit(285); // sent 30, arrived earlier
    expect([bounds.lowerMs, bounds.upperMs]).toEqual([20, 285]);
  });

  it('a first answer that hits gives lower 0: the change may predate the ack', () => {
    const bounds = new InstanceBounds();
    expect(bounds.hit(0)).toBeUndefined();
    expect([bounds.lowerMs, bounds.upperMs, bounds.backwards]).toEqual([0, 0, 0]);
  });

  it('a miss sent after a hit was received is going backwards: counted, and the bounds restart from it', () => {
    const bounds = new InstanceBounds();
    bounds.miss(100);
    bounds.hit(380); // served by 380
    bounds.hit(420);
    expect(bounds.upperMs).toBe(380);
    // Sent at 400, after the hit at 380 arrived: the instance no longer served it.
    expect(bounds.miss(400)).toEqual({ hitReceivedMs: 380 });
    expect(bounds.backwards).toBe(1);
    // The hit received at 420 may have been decided before that miss: still the earliest after it.
    expect([bounds.lowerMs, bounds.upperMs]).toEqual([400, 420]);
    expect(bounds.miss(430)).toEqual({ hitReceivedMs: 420 });
    expect(bounds.propagated).toBe(false);
    bounds.hit(700);
    expect([bounds.lowerMs, bounds.upperMs, bounds.backwards]).toEqual([430, 700, 2]);
  });

  it('a hit received before a recorded miss was sent contradicts it, counts, and moves nothing', () => {
    const bounds = new InstanceBounds();
    bounds.miss(500);
    expect(bounds.hit(450)).toEqual({ missSentMs: 500 });
    expect([bounds.lowerMs, bounds.upperMs, bounds.backwards]).toEqual([500, undefined, 1]);
  });

  it('keeps at most 64 hits however many arrive', () => {
    const bounds = new InstanceBounds();
    for (let i = 0; i < 10_000; i++) bounds.hit(10_000 - i);
    expect(bounds.upperMs).toBe(1);
    for (let i = 1; i <= 63; i++) bounds.miss(i);
    expect(bounds.upperMs).toBe(64);
  });
});
