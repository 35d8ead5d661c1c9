import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { RoundReport } from './round-report.js';
import { Status } from './status.js';

const validReport = () => ({
  wireVersion: 1,
  probe: { id: 'p1', region: 'local', version: '0.1.0' },
  round: {
    id: 'p1-1732200000000',
    zone: 'propwatch.test',
    record: 'p1._propwatch.propwatch.test',
    serial: '1732200000000',
    startedAt: '2026-11-21T12:00:00.000Z',
    state: 'running',
    elapsedMs: 1500.25,
    maxWaitMs: 30000,
    write: { submitToAckMs: 12.5 },
    pops: [
      {
        pop: 'LHR',
        target: '127.0.0.1:5301',
        nsid: 'pop-lhr',
        state: 'propagated',
        lowerMs: 400,
        upperMs: 450,
        estimateMs: 425,
        queries: 9,
        failures: 0,
        rttMs: 0.2,
      },
      { pop: 'SYD', target: '127.0.0.1:5314', state: 'pending', lowerMs: 1500, queries: 30, failures: 1 },
    ],
  },
});

describe('RoundReport schema', () => {
  const check = Compile(RoundReport);

  it('accepts a well-formed report', () => {
    expect([...check.Errors(validReport())]).toEqual([]);
  });

  it('accepts a report without maxWaitMs (optional: older probes do not send it)', () => {
    const { maxWaitMs: _omitted, ...round } = validReport().round;
    expect([...check.Errors({ ...validReport(), round })]).toEqual([]);
  });

  it.each([
    ['negative time', (r: ReturnType<typeof validReport>) => void (r.round.pops[0]!.lowerMs = -1)],
    ['absurd time', (r: ReturnType<typeof validReport>) => void (r.round.elapsedMs = 1e12)],
    ['negative maxWaitMs', (r: ReturnType<typeof validReport>) => void (r.round.maxWaitMs = -1)],
    ['maxWaitMs as text', (r: ReturnType<typeof validReport>) => void Object.assign(r.round, { maxWaitMs: '30000' })],
    ['unknown field', (r: ReturnType<typeof validReport>) => void Object.assign(r.round, { extra: 1 })],
    ['bad state', (r: ReturnType<typeof validReport>) => void Object.assign(r.round, { state: 'done' })],
    ['non-digit serial', (r: ReturnType<typeof validReport>) => void (r.round.serial = '12e3')],
    ['html probe id', (r: ReturnType<typeof validReport>) => void (r.probe.id = '<b>x</b>')],
    ['fractional counter', (r: ReturnType<typeof validReport>) => void (r.round.pops[0]!.queries = 1.5)],
    ['wrong wire version', (r: ReturnType<typeof validReport>) => void Object.assign(r, { wireVersion: 2 })],
  ])('rejects %s', (_name, mutate) => {
    const report = validReport();
    mutate(report);
    expect(check.Check(report)).toBe(false);
  });

  it('describes the status document', () => {
    const status = {
      state: 'alarm',
      since: '2026-11-21T12:00:00.000Z',
      worstMs: 42000,
      thresholdMs: 30000,
      worst: { probe: 'p1', pop: 'SYD' },
      probes: { fresh: 3, expected: 3 },
      reason: 'SYD not serving after 42.0 s',
      updatedAt: '2026-11-21T12:00:01.000Z',
    };
    expect(Compile(Status).Check(status)).toBe(true);
    expect(Compile(Status).Check({ ...status, state: 'fine' })).toBe(false);
  });
});
