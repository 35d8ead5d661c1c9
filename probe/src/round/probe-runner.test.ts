import { createLogger, type RoundReport, systemClock } from '@propwatch/shared';
import { describe, expect, it, vi } from 'vitest';
import { ProbeRunner } from './probe-runner.js';
import type { RoundOutcome } from './round-engine.js';

describe('ProbeRunner', () => {
  it('still finishes the round and hands it to onRound when submitting its report throws', async () => {
    const logged: string[] = [];
    const logger = createLogger({
      name: 'test',
      level: 'error',
      destination: { write: (line: string) => void logged.push(line) },
    });
    const submit = vi.fn((_report: RoundReport) => {
      throw new Error('EACCES: permission denied, open spool/round-p1-5.json.tmp');
    });
    const rounds: RoundOutcome[] = [];
    const runner = new ProbeRunner(
      {
        probe: { id: 'p1', region: 'test', version: '0' },
        zone: 'z.test',
        record: 'p1._propwatch.z.test',
        ttl: 60,
        pollIntervalMs: 10,
        maxWaitMs: 1000,
        progressMs: 1000,
        concurrency: 4,
        intervalMs: 1000,
      },
      {
        writer: { kind: 'fake', write: async () => ({ ok: true, submitToAckMs: 1, ackAt: performance.now() }) },
        check: async (_target, question) => ({ kind: 'hit', servedSerial: question.serial, rttMs: 1 }),
        clock: systemClock,
        serials: { next: () => 5n },
        resolveTargets: async () => [{ name: 'LHR', address: '127.0.0.1', port: 53 }],
        submit,
        logger,
        onRound: (outcome) => rounds.push(outcome),
      },
    );
    const outcome = await runner.runOnce();
    expect(outcome.report.round).toMatchObject({ id: 'p1-5', state: 'complete' });
    expect(submit).toHaveBeenCalledTimes(1);
    expect(rounds).toHaveLength(1);
    expect(logged.join('\n')).toContain('EACCES');
  });
});
