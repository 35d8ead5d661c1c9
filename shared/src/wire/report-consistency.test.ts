import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { consistentReport, inconsistency } from '../../../test-support/consistent-report.js';
import { findInconsistencies } from './report-consistency.js';
import { type PopResult, RoundReport } from './round-report.js';

/** A POP result; a field given as undefined is left out (as JSON would). */
const propagated = (fields: Partial<PopResult> = {}): PopResult =>
  JSON.parse(
    JSON.stringify({
      pop: 'LHR',
      target: '192.0.2.1:53',
      state: 'propagated',
      lowerMs: 400,
      upperMs: 450,
      estimateMs: 425,
      queries: 9,
      failures: 0,
      ...fields,
    }),
  ) as PopResult;

const report = (round: Partial<RoundReport['round']> = {}): RoundReport => ({
  wireVersion: 1,
  probe: { id: 'p1', region: 'local', version: '0.1.0' },
  round: {
    id: 'p1-1732200000000',
    zone: 'propwatch.test',
    record: 'p1._propwatch.propwatch.test',
    serial: '1732200000000',
    startedAt: '2026-11-21T12:00:00.000Z',
    state: 'running',
    elapsedMs: 1500,
    maxWaitMs: 30_000,
    write: { submitToAckMs: 12.5 },
    pops: [propagated()],
    ...round,
  },
});

const pops = (...list: Partial<PopResult>[]) => ({ pops: list.map((fields) => propagated(fields)) });

/** The fields of a result that came through the anycast target `via`. */
const anycast = (via: string): Partial<PopResult> => ({ via, targetKind: 'anycast', target: '198.51.100.1:53' });

describe('findInconsistencies', () => {
  it('accepts what the probe sends: propagated, pending, failing and timeout POPs, the same POP under two targets', () => {
    const running = report(
      pops(
        {},
        { target: '[2001:db8::1]:53', lowerMs: 0, upperMs: 0.4, estimateMs: 0.2 },
        { pop: 'SYD', state: 'pending', lowerMs: 1500, upperMs: undefined, estimateMs: undefined },
        { pop: 'SIN', state: 'failing', lowerMs: 0, upperMs: undefined, estimateMs: undefined },
      ),
    );
    expect(findInconsistencies(running)).toEqual([]);
    const complete = report({
      state: 'complete',
      elapsedMs: 30_000,
      ...pops({}, { pop: 'SYD', state: 'timeout', lowerMs: 30_000, upperMs: undefined, estimateMs: undefined }),
    });
    expect(findInconsistencies(complete)).toEqual([]);
    expect(findInconsistencies(report({ state: 'write_failed', pops: [], write: { submitToAckMs: 3 } }))).toEqual([]);
  });

  it('accepts anycast results: a reroute (old instance rerouted, new one with its own bounds), an instance seen through two addresses, an unreachable address, unicast beside them', () => {
    const none = { upperMs: undefined, estimateMs: undefined };
    const complete = report({
      state: 'complete',
      elapsedMs: 30_000,
      ...pops(
        { ...anycast('ns1'), pop: 'LHR', state: 'rerouted', lowerMs: 1200, ...none },
        { ...anycast('ns1'), pop: 'AMS', lowerMs: 0, upperMs: 1900, estimateMs: 950 },
        { ...anycast('ns2'), target: '198.51.100.2:53', pop: 'AMS', lowerMs: 1500, upperMs: 1700, estimateMs: 1600 },
        { ...anycast('ns3'), target: '198.51.100.3:53', pop: 'ns3', state: 'unreachable', lowerMs: 30_000, ...none },
        { ...anycast('ns4'), target: '198.51.100.4:53', pop: 'FRA', state: 'timeout', lowerMs: 30_000, ...none },
        { pop: 'FRA-mgmt', via: 'FRA-mgmt', targetKind: 'unicast', target: '192.0.2.101:53' },
        { pop: 'SYD', target: '192.0.2.102:53', state: 'unreachable', lowerMs: 29_000, ...none },
      ),
    });
    expect(Compile(RoundReport).Check(complete)).toBe(true);
    expect(findInconsistencies(complete)).toEqual([]);
    // While the round runs an instance the catchment left is rerouted beside the pending new one.
    const running = report(
      pops(
        { ...anycast('ns1'), pop: 'LHR', state: 'rerouted', lowerMs: 1200, ...none },
        { ...anycast('ns1'), pop: 'AMS', state: 'pending', lowerMs: 1400, ...none },
        { ...anycast('ns2'), target: '198.51.100.2:53', pop: 'ns2', state: 'failing', lowerMs: 0, ...none },
      ),
    );
    expect(findInconsistencies(running)).toEqual([]);
  });

  it('tolerates what is odd but harmless: a non-midpoint estimate, a hit after a capped elapsedMs, no maxWaitMs', () => {
    expect(findInconsistencies(report(pops({ estimateMs: 401 })))).toEqual([]);
    expect(
      findInconsistencies(
        report({
          state: 'complete',
          elapsedMs: 30_000,
          ...pops({ lowerMs: 29_990, upperMs: 30_004, estimateMs: 29_997 }),
        }),
      ),
    ).toEqual([]);
    const { maxWaitMs: _none, ...round } = report(
      pops({ state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined }),
    ).round;
    expect(findInconsistencies({ ...report(), round })).toEqual([]);
  });

  it.each<[string, RoundReport, string, string]>([
    [
      'lowerMs above upperMs',
      report(pops({ lowerMs: 2, upperMs: 1, estimateMs: 1.5 })),
      '/round/pops/0/upperMs',
      'expected at least lowerMs 2 (got 1)',
    ],
    [
      'estimate outside its bounds',
      report(pops({ lowerMs: 1, upperMs: 2, estimateMs: 80_000 })),
      '/round/pops/0/estimateMs',
      'expected a number within [lowerMs, upperMs] = [1, 2] (got 80000)',
    ],
    [
      'estimate below its bounds',
      report(pops({ lowerMs: 10, upperMs: 20, estimateMs: 9.99 })),
      '/round/pops/0/estimateMs',
      'expected a number within [lowerMs, upperMs] = [10, 20] (got 9.99)',
    ],
    [
      'propagated without upperMs',
      report(pops({ upperMs: undefined })),
      '/round/pops/0/upperMs',
      'expected the receive time of the first hit for a propagated POP (got nothing)',
    ],
    [
      'propagated without estimateMs',
      report(pops({ estimateMs: undefined })),
      '/round/pops/0/estimateMs',
      'expected the estimate within [lowerMs, upperMs] for a propagated POP (got nothing)',
    ],
    [
      'pending with an estimate',
      report(pops({ state: 'pending', lowerMs: 1000, upperMs: undefined, estimateMs: 80_000 })),
      '/round/pops/0/estimateMs',
      'expected nothing for a pending POP: only a propagated one has estimateMs (got 80000)',
    ],
    [
      'timeout with an upper bound',
      report(pops({ state: 'timeout', lowerMs: 30_000, estimateMs: undefined })),
      '/round/pops/0/upperMs',
      'expected nothing for a timeout POP: only a propagated one has upperMs (got 450)',
    ],
    [
      'pending lower bound beyond the elapsed time',
      report(pops({ state: 'pending', lowerMs: 86_400_000, upperMs: undefined, estimateMs: undefined })),
      '/round/pops/0/lowerMs',
      'expected at most round.elapsedMs 1500 for a pending POP: a lower bound cannot exceed the time elapsed (got 86400000)',
    ],
    [
      'timeout far above the wait',
      report(pops({ state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined })),
      '/round/pops/0/lowerMs',
      "expected at most round.maxWaitMs 30000 for a timeout: it is censored at the probe's wait (got 90000)",
    ],
    [
      'pending in a complete round',
      report({
        state: 'complete',
        ...pops({ state: 'pending', lowerMs: 0, upperMs: undefined, estimateMs: undefined }),
      }),
      '/round/pops/0/state',
      'expected "propagated", "timeout", "rerouted" or "unreachable" in a complete round (got "pending")',
    ],
    [
      'a rerouted unicast target',
      report(pops({ state: 'rerouted', lowerMs: 300, upperMs: undefined, estimateMs: undefined, via: 'LHR' })),
      '/round/pops/0/targetKind',
      'expected "anycast" for a rerouted POP: only an anycast target\'s catchment can move (got "unicast")',
    ],
    [
      'a rerouted instance with an upper bound',
      report(pops({ ...anycast('ns1'), state: 'rerouted', lowerMs: 300, estimateMs: undefined })),
      '/round/pops/0/upperMs',
      'expected nothing for a rerouted POP: only a propagated one has upperMs (got 450)',
    ],
    [
      'a rerouted instance censored after the time elapsed',
      report(pops({ ...anycast('ns1'), state: 'rerouted', lowerMs: 1600, upperMs: undefined, estimateMs: undefined })),
      '/round/pops/0/lowerMs',
      'expected at most round.elapsedMs 1500 for a rerouted POP: a lower bound cannot exceed the time elapsed (got 1600)',
    ],
    [
      'an unreachable target with an estimate',
      report(pops({ pop: 'ns1', ...anycast('ns1'), state: 'unreachable', lowerMs: 1500, upperMs: undefined })),
      '/round/pops/0/estimateMs',
      'expected nothing for an unreachable POP: only a propagated one has estimateMs (got 425)',
    ],
    [
      'an unreachable target beyond the time elapsed',
      report({
        state: 'complete',
        elapsedMs: 30_000,
        ...pops({ state: 'unreachable', lowerMs: 30_001, upperMs: undefined, estimateMs: undefined }),
      }),
      '/round/pops/0/lowerMs',
      'expected at most round.elapsedMs 30000 for an unreachable POP: a lower bound cannot exceed the time elapsed (got 30001)',
    ],
    [
      'an unreachable anycast target named after an instance',
      report(
        pops({ ...anycast('ns1'), state: 'unreachable', lowerMs: 1500, upperMs: undefined, estimateMs: undefined }),
      ),
      '/round/pops/0/pop',
      'expected the target name "ns1" for an unreachable anycast target: no instance answered to name a POP (got "LHR")',
    ],
    [
      'a unicast target reported under another POP name',
      report(pops({ via: 'FRA-mgmt', targetKind: 'unicast' })),
      '/round/pops/0/via',
      'expected the POP name "LHR" for a unicast target: its POP is its configured name (got "FRA-mgmt")',
    ],
    [
      'the same POP and target twice',
      report(pops({}, { pop: 'SYD' }, {})),
      '/round/pops/2',
      'expected each (pop, target) once per round; duplicate of pops[0] (got pop "LHR", target "192.0.2.1:53")',
    ],
    [
      'POP results in a write_failed round',
      report({ state: 'write_failed', ...pops({}, { pop: 'SYD' }) }),
      '/round/pops',
      'expected no POP results in a write_failed round: nothing was measured (got 2)',
    ],
    [
      'a leap second',
      report({ startedAt: '2016-12-31T23:59:60Z' }),
      '/round/startedAt',
      'expected a time with a millisecond timestamp, e.g. 2025-01-01T00:00:00.000Z; a leap second (:60) has none (got "2016-12-31T23:59:60Z")',
    ],
  ])('refuses %s', (_name, bad, pointer, message) => {
    expect(Compile(RoundReport).Check(bad), 'the schema alone accepts it').toBe(true);
    expect(findInconsistencies(bad)).toEqual([{ pointer, message }]);
  });

  it('50 entries for the same POP: each duplicate is named, at most five problems are listed', () => {
    const problems = findInconsistencies(report({ pops: Array.from({ length: 50 }, () => propagated()) }));
    expect(problems.map((p) => p.pointer)).toEqual([1, 2, 3, 4, 5].map((i) => `/round/pops/${i}`));
  });

  it('property: a random consistent report has no inconsistency; one mutation gives exactly the rule it breaks', () => {
    const check = Compile(RoundReport);
    const from = Date.parse('2020-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        consistentReport({ probe: 'p1', startedFrom: from, startedTo: from + 365 * 86_400_000 }),
        inconsistency,
        (good, mutation) => {
          expect(check.Check(good)).toBe(true);
          expect(findInconsistencies(good)).toEqual([]);
          const { report: bad, field } = mutation.apply(good);
          expect(check.Check(bad), mutation.rule).toBe(true);
          expect(findInconsistencies(bad).map((p) => p.pointer)).toEqual([field]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
