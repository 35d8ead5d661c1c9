/**
 * The probe against the sim's fault modes: what an operator would see for a
 * stuck, dead, flaky or slow POP. The sim runs at 1/20 of real delays so a
 * round takes well under a second.
 */
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { probeConfigFor } from './helpers/sim-probe.js';

let sim: SimNetwork;
beforeAll(async () => {
  sim = await startSimNetwork({ seed: 11, timeScale: 0.05 });
});
afterAll(async () => sim?.close());

async function oneRound(probeId: string, fault: Parameters<SimNetwork['setFault']>[1], pop = 'LHR', maxWaitMs = 1500) {
  sim.setFault(pop, fault);
  const probe = createProbe(
    probeConfigFor(sim, probeId, {
      round: { pollIntervalMs: 20, maxWaitMs, intervalMs: 5000, progressMs: 500 },
      query: { timeoutMs: 200 },
    }),
  );
  try {
    const { report } = await probe.runner.runOnce();
    return {
      report,
      pop: report.round.pops.find((p) => p.pop === pop)!,
      others: report.round.pops.filter((p) => p.pop !== pop),
    };
  } finally {
    sim.setFault(pop, null);
    await probe.close();
  }
}

describe('probe against sim faults', () => {
  it('stuck: the POP times out at maxWaitMs, censored, and the others propagate', async () => {
    const { pop, others } = await oneRound('stuck1', { kind: 'stuck' });
    expect(pop).toMatchObject({ state: 'timeout', lowerMs: 1500, failures: 0, nsid: 'lhr1.sim.propwatch' });
    expect(pop.upperMs).toBeUndefined();
    expect(pop.queries).toBeGreaterThan(20);
    expect(others.every((p) => p.state === 'propagated')).toBe(true);
  });

  it('down: every query fails, failures are counted and the POP is unreachable (no figure, not a slow POP)', async () => {
    const { pop, others, report } = await oneRound('down1', { kind: 'down' });
    // Unreachable at the round's elapsed time: it waited out maxWaitMs (timers may fire a fraction of a ms early).
    expect(pop).toMatchObject({ state: 'unreachable', lowerMs: report.round.elapsedMs });
    expect(report.round.elapsedMs).toBeGreaterThan(1490);
    expect(pop.failures).toBe(pop.queries);
    expect(pop.failures).toBeGreaterThanOrEqual(3);
    expect(pop.lastError).toMatch(/^timeout/);
    expect(pop.nsid).toBeUndefined();
    expect(others.every((p) => p.state === 'propagated' && p.failures === 0)).toBe(true);
  });

  it('flaky: the POP still propagates, with its dropped queries counted as failures', async () => {
    const { pop } = await oneRound('flaky1', { kind: 'flaky', dropRate: 0.5 });
    expect(pop.state).toBe('propagated');
    expect(pop.failures).toBeGreaterThan(0);
    expect(pop.failures).toBeLessThan(pop.queries);
  });

  it('slow: the slow POP is the worst of the round', async () => {
    // 20 s of extra delay at the sim's time scale of 0.05 is 1 s, more than any POP's normal delay.
    const { report, pop } = await oneRound('slow1', { kind: 'slow', extraMs: 20_000 }, 'LHR', 4000);
    expect(pop.state).toBe('propagated');
    const worst = [...report.round.pops].sort((a, b) => b.estimateMs! - a.estimateMs!)[0]!;
    expect(worst.pop).toBe('LHR');
    expect(pop.upperMs!).toBeGreaterThan(1000);
  });

  it('a failed write (provider API refusing) ends the round as write_failed without polling', async () => {
    sim.setApiFault({ status: 403, count: 5 });
    try {
      const probe = createProbe(
        probeConfigFor(sim, 'wf1', {
          writer: {
            kind: 'cloudflare',
            cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId, maxRetries: 0 },
          },
        }),
      );
      const { report } = await probe.runner.runOnce();
      await probe.close();
      expect(report.round.state).toBe('write_failed');
      expect(report.round.pops).toEqual([]);
      expect(report.round.write.error).toMatch(/HTTP 403/);
    } finally {
      sim.setApiFault(null);
    }
  });
});
