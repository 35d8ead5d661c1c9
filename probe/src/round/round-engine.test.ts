import { getEventListeners } from 'node:events';
import { createLogger, RoundReport, systemClock } from '@propwatch/shared';
import { Compile } from 'typebox/compile';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findReportProblems } from '../report/check-report.js';
import type { CanaryWriter, WriteResult } from '../writers/writer.js';
import { runRound, type RoundSettings } from './round-engine.js';
import type { CheckCanary, CheckOutcome, Target } from './types.js';

const settings: RoundSettings = {
  probe: { id: 'p1', region: 'test', version: '0.0.0' },
  zone: 'propwatch.test',
  record: 'p1._propwatch.propwatch.test',
  ttl: 60,
  pollIntervalMs: 100,
  queryTimeoutMs: 1000,
  maxWaitMs: 5000,
  progressMs: 1000,
  concurrency: 8,
};

const targets: Target[] = [
  { name: 'LHR', address: '127.0.0.1', port: 5301 },
  { name: 'SYD', address: '::1', port: 5302 },
];

function okWriter(delayMs = 20): CanaryWriter & { writes: string[] } {
  const writes: string[] = [];
  return {
    kind: 'fake',
    writes,
    async write(change): Promise<WriteResult> {
      writes.push(change.content);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { ok: true, submitToAckMs: delayMs, ackAt: performance.now() };
    },
  };
}

/** A POP that starts serving `serial` at `becomesVisibleAt` (absolute performance.now()), answering after `rttMs`. */
function popModel(visibleAt: Record<string, number | 'never' | 'down'>, rttMs = 2): CheckCanary {
  return async (target, question) => {
    const mode = visibleAt[target.name];
    await new Promise((resolve) => setTimeout(resolve, mode === 'down' ? 1000 : rttMs / 2));
    if (mode === 'down') return { kind: 'failure', reason: 'timeout', answered: false } satisfies CheckOutcome;
    const serving = mode !== 'never' && mode !== undefined && performance.now() >= mode;
    await new Promise((resolve) => setTimeout(resolve, rttMs / 2));
    return serving
      ? { kind: 'hit', servedSerial: question.serial, nsid: `pop-${target.name.toLowerCase()}`, rttMs }
      : { kind: 'miss', why: 'nxdomain', rttMs };
  };
}

describe('runRound', () => {
  beforeEach(() =>
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] }),
  );
  afterEach(() => vi.useRealTimers());

  it('brackets the moment each POP starts serving between the last miss and the first hit', async () => {
    const writer = okWriter();
    const start = performance.now();
    // The write is acked at start + 20 ms; LHR serves from ack + 730 ms, SYD from ack + 2010 ms.
    const check = popModel({ LHR: start + 20 + 730, SYD: start + 20 + 2010 });
    const done = runRound(settings, targets, 42n, { writer, check, clock: systemClock });
    await vi.advanceTimersByTimeAsync(10_000);
    const { report, ackAt } = await done;
    expect(ackAt).toBe(start + 20);
    expect(writer.writes).toEqual(['propwatch=1 serial=42 probe=p1']);
    expect(report.round).toMatchObject({ id: 'p1-42', serial: '42', state: 'complete' });
    const [lhr, syd] = report.round.pops;
    expect(lhr).toMatchObject({ pop: 'LHR', state: 'propagated', nsid: 'pop-lhr', failures: 0 });
    expect(lhr!.lowerMs).toBeLessThanOrEqual(730);
    expect(lhr!.upperMs).toBeGreaterThanOrEqual(730);
    expect(lhr!.upperMs! - lhr!.lowerMs).toBeLessThanOrEqual(settings.pollIntervalMs + 2);
    expect(lhr!.estimateMs).toBe((lhr!.lowerMs + lhr!.upperMs!) / 2);
    expect(syd).toMatchObject({ pop: 'SYD', target: '[::1]:5302', state: 'propagated' });
    expect(syd!.lowerMs).toBeLessThanOrEqual(2010);
    expect(syd!.upperMs).toBeGreaterThanOrEqual(2010);
    // ~21 polls of 100 ms until SYD appears; queries stop once a POP is seen.
    expect(syd!.queries).toBeGreaterThanOrEqual(20);
    expect(syd!.queries).toBeLessThanOrEqual(22);
    expect(report.round.elapsedMs).toBeLessThan(2200);
  });

  it('censors a POP that answers but never serves as timeout at maxWaitMs, one that never answers as unreachable', async () => {
    const start = performance.now();
    const three = [...targets, { name: 'SIN', address: '127.0.0.1', port: 5303 }];
    const check = popModel({ LHR: start + 100, SYD: 'never', SIN: 'down' });
    const done = runRound({ ...settings, maxWaitMs: 3000 }, three, 7n, {
      writer: okWriter(0),
      check,
      clock: systemClock,
    });
    await vi.advanceTimersByTimeAsync(6000);
    const { report } = await done;
    const syd = report.round.pops.find((p) => p.pop === 'SYD')!;
    expect(syd).toMatchObject({ state: 'timeout', lowerMs: 3000, failures: 0, via: 'SYD', targetKind: 'unicast' });
    expect(syd.upperMs).toBeUndefined();
    // Every query timed out: no figure about the POP, loss of observation.
    const sin = report.round.pops.find((p) => p.pop === 'SIN')!;
    expect(sin).toMatchObject({ state: 'unreachable', lowerMs: 3000, lastError: 'timeout', via: 'SIN' });
    expect(sin.failures).toBeGreaterThanOrEqual(2);
    expect(sin.failures).toBe(sin.queries);
    expect(sin.upperMs).toBeUndefined();
    expect(report.round.pops.find((p) => p.pop === 'LHR')!.state).toBe('propagated');
    expect(report.round.elapsedMs).toBe(3000);
    // The aggregator compares the wait with its threshold: every report says how long the probe waits.
    expect(report.round.maxWaitMs).toBe(3000);
    expect(findReportProblems(report)).toEqual([]);
  });

  it('hands the deadline signal to the check; a check cut short by it is neither a query nor a failure', async () => {
    const start = performance.now();
    const seen: AbortSignal[] = [];
    // SYD's query hangs until its signal fires, as a query to a silent server with a long timeout would.
    const hanging: CheckCanary = (target, question, signal) => {
      if (target.name === 'LHR') return popModel({ LHR: start })(target, question, signal);
      seen.push(signal!);
      return new Promise((resolve) => signal!.addEventListener('abort', () => resolve({ kind: 'aborted' })));
    };
    const done = runRound({ ...settings, maxWaitMs: 3000 }, targets, 8n, {
      writer: okWriter(0),
      check: hanging,
      clock: systemClock,
    });
    await vi.advanceTimersByTimeAsync(3000);
    const { report } = await done;
    // Several queries wait at once (the schedule does not wait for answers), as many as the global limiter lets out.
    expect(seen).toHaveLength(settings.concurrency);
    expect(seen.every((s) => s.aborted)).toBe(true);
    // No answer, and no failure either: nothing was observed about SYD.
    expect(report.round.pops.find((p) => p.pop === 'SYD')).toMatchObject({
      state: 'unreachable',
      lowerMs: 3000,
      queries: 0,
      failures: 0,
    });
    expect(report.round.elapsedMs).toBe(3000);
  });

  it('sends running progress reports with pending lower bounds', async () => {
    const progress: Array<{ elapsedMs: number; maxWaitMs?: number; pops: Array<{ state: string; lowerMs: number }> }> =
      [];
    const check = popModel({ LHR: 'never', SYD: 'never' });
    const done = runRound({ ...settings, maxWaitMs: 3500 }, targets, 9n, {
      writer: okWriter(0),
      check,
      clock: systemClock,
      onProgress: (r) =>
        progress.push({ elapsedMs: r.round.elapsedMs, maxWaitMs: r.round.maxWaitMs, pops: r.round.pops }),
    });
    await vi.advanceTimersByTimeAsync(5000);
    await done;
    expect(progress.length).toBe(3);
    expect(progress.map((p) => Math.round(p.elapsedMs / 1000))).toEqual([1, 2, 3]);
    expect(progress.map((p) => p.maxWaitMs)).toEqual([3500, 3500, 3500]);
    for (const snapshot of progress) {
      for (const pop of snapshot.pops) {
        expect(pop.state).toBe('pending');
        expect(pop.lowerMs).toBeGreaterThan(snapshot.elapsedMs - settings.pollIntervalMs - 5);
        expect(pop.lowerMs).toBeLessThanOrEqual(snapshot.elapsedMs);
      }
    }
  });

  it('marks a POP with only failures so far as failing in progress reports', async () => {
    const states: string[] = [];
    const done = runRound({ ...settings, maxWaitMs: 2500 }, targets, 9n, {
      writer: okWriter(0),
      check: popModel({ LHR: 'down', SYD: 'down' }),
      clock: systemClock,
      onProgress: (r) => states.push(r.round.pops[0]!.state),
    });
    await vi.advanceTimersByTimeAsync(4000);
    await done;
    expect(states).toContain('failing');
  });

  it('ends as write_failed without polling when the write is refused', async () => {
    const check = vi.fn<CheckCanary>();
    const writer: CanaryWriter = {
      kind: 'fake',
      write: async () => ({
        ok: false,
        submitToAckMs: 3,
        error: 'REFUSED: no update rights',
        code: 'REFUSED',
        retryable: false,
      }),
    };
    const { report, ackAt } = await runRound(settings, targets, 1n, { writer, check, clock: systemClock });
    expect(ackAt).toBeUndefined();
    expect(check).not.toHaveBeenCalled();
    expect(report.round).toMatchObject({
      state: 'write_failed',
      maxWaitMs: settings.maxWaitMs,
      pops: [],
      write: { submitToAckMs: 3, error: 'REFUSED: no update rights' },
    });
  });

  it('puts a hostile provider message into the report as one line of plain text within the wire bound', async () => {
    const hostile = `HTTP 403: \x1b[2J\x1b]0;pwned\x07<!channel> <https://evil.example|https://dash.cloudflare.com>\n\u202egnp.exe ${'x'.repeat(2000)}`;
    const writer: CanaryWriter = {
      kind: 'fake',
      write: async () => ({ ok: false, submitToAckMs: 3, error: hostile, code: 'cloudflare:9109', retryable: false }),
    };
    const { report } = await runRound(settings, targets, 1n, {
      writer,
      check: vi.fn<CheckCanary>(),
      clock: systemClock,
    });
    const error = report.round.write.error!;
    expect(error).toMatch(
      /^HTTP 403: \uFFFD\[2J\uFFFD\]0;pwned\uFFFD<!channel> <https:\/\/evil\.example\|https:\/\/dash\.cloudflare\.com> \uFFFDgnp\.exe x+…$/,
    );
    expect(error).toHaveLength(1000);
    expect(error).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(Compile(RoundReport).Check(report)).toBe(true);
  });

  it('spaces queries by the per-target budget when it is tighter than the poll interval', async () => {
    const check = popModel({ LHR: 'never', SYD: 'never' });
    const done = runRound({ ...settings, pollIntervalMs: 10, perTargetQps: 5, maxWaitMs: 2000 }, targets, 1n, {
      writer: okWriter(0),
      check,
      clock: systemClock,
    });
    await vi.advanceTimersByTimeAsync(3000);
    const { report } = await done;
    for (const pop of report.round.pops) expect(pop.queries).toBe(10);
  });

  it('counts a newer serial than the one written as propagated', async () => {
    const check: CheckCanary = async (_t, q) => ({ kind: 'hit', servedSerial: q.serial + 5n, rttMs: 1 });
    const done = runRound(settings, targets, 100n, { writer: okWriter(0), check, clock: systemClock });
    await vi.advanceTimersByTimeAsync(10);
    const { report } = await done;
    expect(report.round.pops.every((p) => p.state === 'propagated' && p.lowerMs === 0)).toBe(true);
  });

  it('goes on measuring when a progress report cannot be submitted (disk full), and logs it', async () => {
    const logged: string[] = [];
    const logger = createLogger({
      name: 'test',
      level: 'error',
      destination: { write: (line: string) => void logged.push(line) },
    });
    const start = performance.now();
    const onProgress = vi.fn(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    const done = runRound({ ...settings, maxWaitMs: 3500 }, targets, 11n, {
      writer: okWriter(0),
      check: popModel({ LHR: start + 2500, SYD: 'never' }),
      clock: systemClock,
      onProgress,
      logger,
    });
    await vi.advanceTimersByTimeAsync(5000);
    const { report } = await done;
    expect(onProgress).toHaveBeenCalledTimes(3);
    expect(report.round.pops.map((p) => p.state)).toEqual(['propagated', 'timeout']);
    expect(report.round.pops[1]).toMatchObject({ pop: 'SYD', failures: 0 });
    expect(logged).toHaveLength(3);
    expect(logged[0]).toContain('ENOSPC');
  });

  it('builds only reports the aggregator accepts: every progress and final report keeps the cross-field rules', async () => {
    const reports: RoundReport[] = [];
    const start = performance.now();
    const many: Target[] = ['LHR', 'SYD', 'SIN', 'NRT', 'FRA'].map((name, i) => ({
      name,
      address: '127.0.0.1',
      port: 5301 + i,
    }));
    const check = popModel({ LHR: start + 300, SYD: start + 2950, SIN: 'never', NRT: 'down', FRA: start });
    const done = runRound({ ...settings, maxWaitMs: 3000, progressMs: 250 }, many, 13n, {
      writer: okWriter(0),
      check,
      clock: systemClock,
      onProgress: (r) => reports.push(r),
    });
    await vi.advanceTimersByTimeAsync(5000);
    reports.push((await done).report);
    expect(reports.length).toBeGreaterThan(10);
    expect(new Set(reports.flatMap((r) => r.round.pops.map((p) => p.state)))).toEqual(
      new Set(['pending', 'failing', 'propagated', 'timeout', 'unreachable']),
    );
    for (const report of reports) expect(findReportProblems(report), JSON.stringify(report.round)).toEqual([]);
  });

  it("stops its timers and leaves the caller's signal alone when a poller throws", async () => {
    const outer = new AbortController();
    const onProgress = vi.fn();
    const check: CheckCanary = async () => {
      throw new Error('bug in the checker');
    };
    const done = runRound(
      { ...settings, progressMs: 100 },
      targets,
      12n,
      { writer: okWriter(0), check, clock: systemClock, onProgress },
      outer.signal,
    );
    const failed = expect(done).rejects.toThrow('bug in the checker');
    await vi.advanceTimersByTimeAsync(50);
    await failed;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onProgress).not.toHaveBeenCalled();
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
