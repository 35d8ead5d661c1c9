/**
 * The reroute check of benchmark 7 must catch what it claims to: a result
 * counted against the wrong instance, a left instance not censored before
 * the move, a new instance whose interval misses its truth, an NSID that is
 * not the instance's. A clean round (built like the probe reports one) has
 * no problem. The sim here is a plain object with the parts the check reads.
 */
import { describe, expect, it } from 'vitest';
import { checkTrial } from '../anycast-reroute.mjs';

const ACK = 1000;
const MOVE = ACK + 400;
const TRUTH = { FRA: ACK + 900, ORD: ACK + 700 };

function answer(pop: string, receivedMs: number, record = 'r1._propwatch.propwatch.test') {
  return {
    pop,
    via: 'ns1',
    qname: record,
    receivedAt: { monotonicMs: receivedMs },
    decidedAt: { monotonicMs: receivedMs + 75 },
  };
}

// FRA answered 10 queries before the move (all misses); ORD 25 after it, serving from ACK + 700.
const ANSWERS = [
  ...Array.from({ length: 10 }, (_, i) => answer('FRA', ACK + 20 * i)),
  ...Array.from({ length: 25 }, (_, i) => answer('ORD', MOVE + 20 * i)),
];

const sim = {
  pops: [
    { name: 'FRA', nsid: 'fra1.sim.propwatch' },
    { name: 'ORD', nsid: 'ord1.sim.propwatch' },
  ],
  truth: {
    servedAt: () => new Map(Object.entries(TRUTH).map(([pop, at]) => [pop, { monotonicMs: at }])),
  },
  answers: { list: ({ since }: { since: number }) => ({ answers: ANSWERS.slice(since) }) },
};

function entry(overrides: Record<string, unknown>) {
  return { target: '127.0.53.1:5300', via: 'ns1', targetKind: 'anycast', failures: 0, ...overrides };
}

function report(pops: Array<Record<string, unknown>>) {
  return {
    wireVersion: 1,
    probe: { id: 'r1', region: 'bench', version: '0.0.0' },
    round: {
      id: 'r1-1',
      zone: 'propwatch.test',
      record: 'r1._propwatch.propwatch.test',
      serial: '1764200000000',
      startedAt: '2026-11-27T17:00:00.000Z',
      state: 'complete',
      elapsedMs: 1200,
      write: { submitToAckMs: 2 },
      pops,
    },
  };
}

const oldEntry = (o = {}) =>
  entry({ pop: 'FRA', nsid: 'fra1.sim.propwatch', state: 'rerouted', lowerMs: 180, queries: 10, ...o });
const newEntry = (o = {}) =>
  entry({
    pop: 'ORD',
    nsid: 'ord1.sim.propwatch',
    state: 'propagated',
    lowerMs: 640,
    upperMs: 810,
    estimateMs: 725,
    queries: 25,
    ...o,
  });

const check = (pops: Array<Record<string, unknown>>) =>
  checkTrial(
    sim,
    { name: 'reroute' },
    {
      report: report(pops),
      ackAt: ACK,
      from: 'FRA',
      to: 'ORD',
      event: { at: { monotonicMs: MOVE } },
      since: 0,
    },
  ).problems;

describe('the reroute check of the anycast benchmark', () => {
  it('passes a clean round: the old instance censored before the move, the new one around its truth', () => {
    expect(check([oldEntry(), newEntry()])).toEqual([]);
  });

  it('catches answers of one instance counted against the other (mixed instances)', () => {
    expect(check([oldEntry({ queries: 12 }), newEntry({ queries: 23 })])).toEqual([
      'FRA counts 12 queries, the sim answered 10',
    ]);
  });

  it('catches a left instance censored after the move, or reported as propagated though it never served', () => {
    expect(check([oldEntry({ lowerMs: 450 }), newEntry()])).toEqual([
      'FRA censored at 450 ms, after the move at 400 ms',
    ]);
    expect(check([oldEntry({ state: 'propagated', upperMs: 500, estimateMs: 340 }), newEntry()])).toEqual([
      'FRA never served, yet propagated',
    ]);
  });

  it("catches a new instance whose interval misses its truth, and an instance carrying another's NSID", () => {
    expect(check([oldEntry(), newEntry({ upperMs: 690, estimateMs: 665 })])).toEqual([
      'ORD: propagated [640, 690], truth 700',
    ]);
    expect(check([oldEntry({ nsid: 'ord1.sim.propwatch' }), newEntry()])).toEqual([
      'FRA carries NSID ord1.sim.propwatch',
    ]);
  });
});
