/**
 * fast-check arbitraries for round reports that keep every cross-field rule
 * of shared/src/wire/report-consistency.ts, and mutations that each break
 * exactly one of them (with the field the refusal must name). Used by the
 * shared unit test and the aggregator's ingest property test.
 */
import fc from 'fast-check';
import type { PopResult, RoundReport } from '../shared/src/wire/round-report.js';

export interface ConsistentReportOptions {
  probe: string;
  /** startedAt is drawn from [from, to] (ms since epoch). */
  startedFrom: number;
  startedTo: number;
}

const ms = (max: number) => fc.integer({ min: 0, max: Math.max(0, Math.floor(max)) * 1000 }).map((n) => n / 1000);

function popArbitrary(state: RoundReport['round']['state'], elapsedMs: number, maxWaitMs: number | undefined) {
  const states: PopResult['state'][] =
    state === 'complete' ? ['propagated', 'timeout'] : ['pending', 'failing', 'propagated', 'timeout'];
  return fc
    .record({
      state: fc.constantFrom(...states),
      a: ms(86_400),
      b: ms(86_400),
      t: fc.double({ min: 0, max: 1, noNaN: true }),
      queries: fc.integer({ min: 0, max: 1000 }),
      failures: fc.integer({ min: 0, max: 1000 }),
      nsid: fc.option(fc.constantFrom('pop-lhr', 'ns1.lhr', ''), { nil: undefined }),
    })
    .map(({ state: popState, a, b, t, queries, failures, nsid }): Omit<PopResult, 'pop' | 'target'> => {
      const base = { queries, failures, ...(nsid === undefined ? {} : { nsid }) };
      if (popState === 'propagated') {
        const [lowerMs, upperMs] = a <= b ? [a, b] : [b, a];
        return { ...base, state: popState, lowerMs, upperMs, estimateMs: lowerMs + (upperMs - lowerMs) * t };
      }
      if (popState === 'timeout') return { ...base, state: popState, lowerMs: maxWaitMs ?? a };
      return { ...base, state: popState, lowerMs: Math.min(a, elapsedMs) };
    });
}

/** A random report of `probe` that the aggregator must accept (schema and cross-field rules). */
export function consistentReport(options: ConsistentReportOptions): fc.Arbitrary<RoundReport> {
  return fc
    .record({
      serial: fc.bigInt({ min: 1n, max: 10n ** 19n }),
      startedAt: fc.integer({ min: options.startedFrom, max: options.startedTo }),
      state: fc.constantFrom<RoundReport['round']['state']>('running', 'complete', 'write_failed'),
      elapsedMs: ms(86_400),
      maxWaitMs: fc.option(fc.integer({ min: 100, max: 86_400_000 }), { nil: undefined }),
      popCount: fc.integer({ min: 0, max: 12 }),
    })
    .chain(({ serial, startedAt, state, elapsedMs, maxWaitMs, popCount }) =>
      fc
        .array(popArbitrary(state, elapsedMs, maxWaitMs), {
          minLength: state === 'write_failed' ? 0 : popCount,
          maxLength: state === 'write_failed' ? 0 : popCount,
        })
        .map((pops): RoundReport => ({
          wireVersion: 1,
          probe: { id: options.probe, region: 'prop', version: '0.1.0' },
          round: {
            id: `${options.probe}-${serial}`,
            zone: 'example.com',
            record: `${options.probe}._propwatch.example.com`,
            serial: serial.toString(),
            startedAt: new Date(startedAt).toISOString(),
            state,
            elapsedMs,
            ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
            write: state === 'write_failed' ? { submitToAckMs: 5, error: 'HTTP 500' } : { submitToAckMs: 5 },
            // Unique (pop, target): the same POP appears under two targets every third entry.
            pops: pops.map((pop, i) => ({ ...pop, pop: `P${Math.floor(i / 3)}`, target: `192.0.2.${i}:53` })),
          },
        })),
    );
}

/** A mutation that breaks one rule; `field` is the JSON pointer the refusal names. */
export interface Inconsistency {
  rule: string;
  apply: (report: RoundReport) => { report: RoundReport; field: string };
}

/** Appends `pop` (a fresh pop/target pair) to a copy of the report, as a measured round. */
function withPop(
  report: RoundReport,
  pop: Omit<PopResult, 'pop' | 'target'>,
  round: Partial<RoundReport['round']> = {},
) {
  const copy = structuredClone(report);
  if (copy.round.state === 'write_failed') copy.round.state = 'running';
  Object.assign(copy.round, round);
  copy.round.pops.push({ ...pop, pop: 'MUTANT', target: '198.51.100.1:53' });
  return { report: copy, at: `/round/pops/${copy.round.pops.length - 1}` };
}

const counts = { queries: 3, failures: 0 };

const measured = { ...counts, state: 'propagated', lowerMs: 1, upperMs: 2, estimateMs: 1.5 } as const;

/** Keeps other POPs within a new elapsedMs / maxWaitMs, so the mutant is the only rule broken. */
function clampOthers(report: RoundReport, upTo: number): void {
  for (const pop of report.round.pops.slice(0, -1)) {
    if (pop.state === 'pending' || pop.state === 'failing' || pop.state === 'timeout')
      pop.lowerMs = Math.min(pop.lowerMs, upTo);
  }
}

export const inconsistency: fc.Arbitrary<Inconsistency> = fc.constantFrom<Inconsistency>(
  {
    rule: 'upperMs below lowerMs',
    apply: (r) => {
      const { report, at } = withPop(r, { ...measured, lowerMs: 2, upperMs: 1 });
      return { report, field: `${at}/upperMs` };
    },
  },
  {
    rule: 'estimate outside its bounds',
    apply: (r) => {
      const { report, at } = withPop(r, { ...measured, estimateMs: 80_000 });
      return { report, field: `${at}/estimateMs` };
    },
  },
  {
    rule: 'propagated without upperMs',
    apply: (r) => {
      const { upperMs: _dropped, ...pop } = measured;
      const { report, at } = withPop(r, pop);
      return { report, field: `${at}/upperMs` };
    },
  },
  {
    rule: 'pending with an estimate',
    apply: (r) => {
      const { report, at } = withPop(
        r,
        { ...counts, state: 'pending', lowerMs: 0, estimateMs: 80_000 },
        { state: 'running' },
      );
      return { report, field: `${at}/estimateMs` };
    },
  },
  {
    rule: 'pending bound beyond the elapsed time',
    apply: (r) => {
      const elapsedMs = Math.min(r.round.elapsedMs, 86_000_000);
      const { report, at } = withPop(
        r,
        { ...counts, state: 'pending', lowerMs: elapsedMs + 1 },
        { state: 'running', elapsedMs },
      );
      clampOthers(report, elapsedMs);
      return { report, field: `${at}/lowerMs` };
    },
  },
  {
    rule: 'timeout beyond the wait',
    apply: (r) => {
      const maxWaitMs = Math.min(r.round.maxWaitMs ?? 30_000, 86_000_000);
      const { report, at } = withPop(r, { ...counts, state: 'timeout', lowerMs: maxWaitMs + 1 }, { maxWaitMs });
      for (const pop of report.round.pops.slice(0, -1))
        if (pop.state === 'timeout') pop.lowerMs = Math.min(pop.lowerMs, maxWaitMs);
      return { report, field: `${at}/lowerMs` };
    },
  },
  {
    rule: 'pending in a complete round',
    apply: (r) => {
      const { report, at } = withPop(r, { ...counts, state: 'pending', lowerMs: 0 }, { state: 'complete' });
      // Other POPs of a running round may be pending too: make them timeouts, so only the mutant breaks the rule.
      for (const pop of report.round.pops.slice(0, -1))
        if (pop.state === 'pending' || pop.state === 'failing') Object.assign(pop, { state: 'timeout', lowerMs: 0 });
      return { report, field: `${at}/state` };
    },
  },
  {
    rule: 'duplicate POP entry',
    apply: (r) => {
      const { report } = withPop(r, measured);
      report.round.pops.push({ ...report.round.pops[report.round.pops.length - 1]! });
      return { report, field: `/round/pops/${report.round.pops.length - 1}` };
    },
  },
  {
    rule: 'leap second',
    apply: (r) => ({
      report: { ...r, round: { ...r.round, startedAt: '2016-12-31T23:59:60Z' } },
      field: '/round/startedAt',
    }),
  },
  {
    rule: 'write_failed with POP results',
    apply: (r) => {
      const { report } = withPop(r, measured);
      report.round.state = 'write_failed';
      return { report, field: '/round/pops' };
    },
  },
);
