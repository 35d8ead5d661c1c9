import { PopResult, type RoundReport, WIRE_VERSION } from '@propwatch/shared';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { findReportProblems } from '../report/check-report.js';
import { createPopFromNsid } from './pop-from-nsid.js';
import { MAX_INSTANCES_PER_TARGET, MAX_NSID_TEXT, TargetObserver } from './target-observer.js';
import type { CheckOutcome } from './types.js';

const popOf = createPopFromNsid({ pattern: '^(?<pop>[a-z]{3})[0-9]*\\.' });
const anycast = () => new TargetObserver({ name: 'ns1', address: '198.51.100.1', port: 53, kind: 'anycast' }, popOf);
const unicast = () => new TargetObserver({ name: 'LHR', address: '192.0.2.1', port: 53 }, popOf);

const miss = (nsid?: string): CheckOutcome => ({ kind: 'miss', why: 'nxdomain', nsid, rttMs: 40 });
const hit = (nsid?: string): CheckOutcome => ({ kind: 'hit', servedSerial: 7n, nsid, rttMs: 40 });
const silent: CheckOutcome = { kind: 'failure', reason: 'timeout: no answer', answered: false };

/** The observer's results wrapped in a report, checked as the probe checks every report before spooling. */
function checked(observer: TargetObserver, elapsedMs: number, final: boolean): PopResult[] {
  const pops = observer.toPopResults(elapsedMs, final ? { maxWaitMs: elapsedMs } : undefined);
  const report: RoundReport = {
    wireVersion: WIRE_VERSION,
    probe: { id: 'p1', region: 'test', version: '0' },
    round: {
      id: 'p1-7',
      zone: 'example.test',
      record: 'p1._propwatch.example.test',
      serial: '7',
      startedAt: '2026-01-01T00:00:00.000Z',
      state: final ? 'complete' : 'running',
      elapsedMs,
      maxWaitMs: elapsedMs,
      write: { submitToAckMs: 1 },
      pops,
    },
  };
  expect(findReportProblems(report)).toEqual([]);
  return pops;
}

describe('TargetObserver, unicast', () => {
  it('cuts an NSID to the wire schema bound, so one chatty server cannot get the report refused', () => {
    expect(MAX_NSID_TEXT).toBe((PopResult.properties.nsid as { maxLength?: number }).maxLength);
    const observer = unicast();
    // A 64 KiB binary NSID renders as 128 Ki hex digits.
    observer.record(hit('ab'.repeat(65_535)), 0, 2);
    const [result] = observer.toPopResults(2, undefined);
    expect(result!.nsid).toBe('ab'.repeat(256));
    expect(Compile(PopResult).Check(result)).toBe(true);
  });

  it('keeps a failure reason from the network as one line of plain text within the wire bound', () => {
    const observer = unicast();
    const reason = `malformed canary: TXT "\x1b[2Jpropwatch=1\u009b31m\r\nserial=\u202e1" ${'y'.repeat(400)}`;
    observer.record({ kind: 'failure', reason, answered: true }, 0, 2);
    const [result] = observer.toPopResults(2, undefined);
    expect(result!.lastError).toMatch(/^malformed canary: TXT "\uFFFD\[2Jpropwatch=1\uFFFD31m serial=\uFFFD1" y+…$/);
    expect(result!.lastError).toHaveLength(300);
    expect(Compile(PopResult).Check(result)).toBe(true);
  });

  it('is unreachable when nothing ever came back, timeout when it answered (even with errors) but never served', () => {
    const dead = unicast();
    for (let i = 0; i < 5; i++) dead.record(silent, i * 100, i * 100 + 1000);
    expect(checked(dead, 3000, false)).toMatchObject([{ pop: 'LHR', state: 'failing', lowerMs: 0, failures: 5 }]);
    expect(checked(dead, 3000, true)).toMatchObject([
      { pop: 'LHR', via: 'LHR', targetKind: 'unicast', state: 'unreachable', lowerMs: 3000, queries: 5, failures: 5 },
    ]);
    const refusing = unicast();
    refusing.record({ kind: 'failure', reason: 'refused: REFUSED', answered: true }, 0, 1);
    refusing.record(silent, 100, 1100);
    expect(checked(refusing, 3000, true)).toMatchObject([{ state: 'timeout', queries: 2, failures: 2 }]);
  });

  it('names its one POP by configuration, whatever NSIDs answer', () => {
    const observer = unicast();
    observer.record(miss('lhr1.x'), 0, 40);
    observer.record(miss('fra1.x'), 20, 60);
    observer.record(hit('ams1.x'), 40, 80);
    expect(checked(observer, 100, true)).toMatchObject([
      { pop: 'LHR', state: 'propagated', lowerMs: 20, upperMs: 80, nsid: 'ams1.x' },
    ]);
    expect(observer.catchmentChanges).toBe(0);
  });
});

describe('TargetObserver, anycast', () => {
  it('names each answer by its NSID; an answer from B never moves the bounds of A', () => {
    const observer = anycast();
    observer.record(miss('lhr1.x'), 0, 40);
    observer.record(miss('lhr1.x'), 100, 140);
    // The catchment moves to FRA, which already serves: its interval starts at 0, not at LHR's misses.
    observer.record(hit('fra1.x'), 200, 240);
    expect(observer.settled).toBe(true);
    expect(observer.catchmentChanges).toBe(1);
    const [lhr, fra] = checked(observer, 300, true);
    expect(lhr).toMatchObject({ pop: 'LHR', via: 'ns1', targetKind: 'anycast', state: 'rerouted', lowerMs: 100 });
    expect(lhr).toMatchObject({ queries: 2, failures: 0, nsid: 'lhr1.x', target: '198.51.100.1:53' });
    expect(fra).toMatchObject({ pop: 'FRA', state: 'propagated', lowerMs: 0, upperMs: 240, estimateMs: 120 });
  });

  it('keeps an instance that served before the reroute propagated, with its own bounds', () => {
    const observer = anycast();
    observer.record(miss('lhr1.x'), 0, 40);
    observer.record(hit('lhr1.x'), 20, 60);
    observer.record(miss('fra1.x'), 40, 80);
    expect(observer.settled).toBe(false);
    observer.record(hit('fra1.x'), 60, 100);
    expect(checked(observer, 120, true)).toMatchObject([
      { pop: 'LHR', state: 'propagated', lowerMs: 0, upperMs: 60 },
      { pop: 'FRA', state: 'propagated', lowerMs: 40, upperMs: 100 },
    ]);
  });

  it('times out the instance it reaches at the end; the one it left is rerouted, never a stuck POP', () => {
    const observer = anycast();
    observer.record(miss('lhr1.x'), 0, 40);
    observer.record(miss('fra1.x'), 20, 60);
    observer.record(miss('fra1.x'), 40, 80);
    expect(checked(observer, 100, false)).toMatchObject([
      { pop: 'LHR', state: 'rerouted', lowerMs: 0 },
      { pop: 'FRA', state: 'pending', lowerMs: 40 },
    ]);
    expect(checked(observer, 100, true)).toMatchObject([
      { pop: 'LHR', state: 'rerouted', lowerMs: 0 },
      { pop: 'FRA', state: 'timeout', lowerMs: 100 },
    ]);
  });

  it('flapping A, B, A: every move counted, each instance only its own samples', () => {
    const observer = anycast();
    const events = [
      observer.record(miss('lhr1.x'), 0, 40),
      observer.record(miss('lhr1.x'), 20, 60),
      observer.record(miss('fra1.x'), 40, 80),
      observer.record(miss('fra1.x'), 60, 100),
      observer.record(miss('lhr1.x'), 80, 120),
      observer.record(hit('lhr1.x'), 100, 140),
    ].flat();
    expect(events).toEqual([
      { kind: 'rerouted', from: 'LHR', to: 'FRA', sentMs: 40 },
      { kind: 'rerouted', from: 'FRA', to: 'LHR', sentMs: 80 },
    ]);
    expect(observer.catchmentChanges).toBe(2);
    expect(observer.settled).toBe(true);
    expect(checked(observer, 150, true)).toMatchObject([
      { pop: 'LHR', state: 'propagated', lowerMs: 80, upperMs: 140, queries: 4 },
      { pop: 'FRA', state: 'rerouted', lowerMs: 60, queries: 2 },
    ]);
  });

  it('decides the catchment by send order: a late answer from the old instance does not move it back', () => {
    const observer = anycast();
    observer.record(miss('fra1.x'), 60, 90);
    // Sent before the FRA query, arrived after it.
    expect(observer.record(miss('lhr1.x'), 40, 95)).toEqual([]);
    expect(observer.catchmentPop).toBe('FRA');
    expect(observer.catchmentChanges).toBe(0);
    expect(checked(observer, 100, false).map((p) => [p.pop, p.state])).toEqual([
      ['FRA', 'pending'],
      ['LHR', 'rerouted'],
    ]);
  });

  it('counts an answer without NSID as a failure with a clear message; none identified all round is unreachable', () => {
    const observer = anycast();
    const events = observer.record(hit(), 0, 40);
    const message =
      'anycast target ns1: answer without NSID, cannot tell which POP answered (enable query.nsid on the servers, or query.chaosIdentityFallback)';
    expect(events).toEqual([{ kind: 'unidentified', reason: message }]);
    observer.record(miss(''), 20, 60);
    expect(observer.unidentified).toBe(2);
    expect(observer.settled).toBe(false);
    expect(checked(observer, 100, true)).toEqual([
      {
        pop: 'ns1',
        via: 'ns1',
        targetKind: 'anycast',
        target: '198.51.100.1:53',
        state: 'unreachable',
        lowerMs: 100,
        queries: 2,
        failures: 2,
        rttMs: 40,
        lastError: message,
      },
    ]);
  });

  it('counts failures against the instance reached at the time; those before any was named go to the first', () => {
    const observer = anycast();
    observer.record(silent, 0, 1000);
    observer.record(miss('lhr1.x'), 20, 60);
    observer.record(silent, 40, 1040);
    observer.record({ kind: 'failure', reason: 'servfail: SERVFAIL', answered: true, nsid: 'fra1.x' }, 60, 100);
    observer.record(silent, 80, 1080);
    expect(checked(observer, 1100, true)).toMatchObject([
      { pop: 'LHR', state: 'rerouted', queries: 3, failures: 2 },
      { pop: 'FRA', state: 'timeout', queries: 2, failures: 2, nsid: 'fra1.x', lastError: 'timeout: no answer' },
    ]);
  });

  it(`tracks at most ${MAX_INSTANCES_PER_TARGET} instances per round; answers from more are failures`, () => {
    const observer = anycast();
    for (let i = 0; i < 100; i++) observer.record(miss(`n${i}`), i, i + 1);
    const results = checked(observer, 200, true);
    expect(results).toHaveLength(MAX_INSTANCES_PER_TARGET);
    expect(observer.unidentified).toBe(100 - MAX_INSTANCES_PER_TARGET);
    expect(results.reduce((sum, r) => sum + r.queries, 0)).toBe(100);
    expect(results.at(-1)).toMatchObject({
      pop: `n${MAX_INSTANCES_PER_TARGET - 1}`,
      state: 'timeout',
      lastError: `anycast target ns1: more than ${MAX_INSTANCES_PER_TARGET} instances answered in one round; the answer from n99 is not tracked`,
    });
  });

  it('reports an instance going backwards and measures it to when it served for good', () => {
    const observer = anycast();
    observer.record(miss('lhr1.x'), 0, 40);
    observer.record(hit('lhr1.x'), 20, 60);
    expect(observer.settled).toBe(true);
    // Sent after the hit arrived, and a miss: another LHR server without the change, or a rollback.
    expect(observer.record(miss('lhr1.x'), 80, 120)).toEqual([
      { kind: 'backwards', pop: 'LHR', missSentMs: 80, hitReceivedMs: 60 },
    ]);
    expect(observer.settled).toBe(false);
    observer.record(hit('lhr1.x'), 100, 140);
    expect(observer.backwardsByPop()).toEqual([['LHR', 1]]);
    expect(checked(observer, 150, true)).toMatchObject([
      {
        pop: 'LHR',
        state: 'propagated',
        lowerMs: 80,
        upperMs: 140,
        lastError:
          'went backwards: a miss sent at 80 ms after a hit received at 60 ms; its bounds restart from that miss',
      },
    ]);
  });
});
