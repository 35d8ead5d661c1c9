/**
 * The probe's numbers against the sim's ground truth, with the default
 * propagation model (real delays, 0.3 s to several seconds). Probe and sim
 * run in one process, so the sim's performance.now() moments and the probe's
 * ack time share a clock. Propagation is time after the ack, clamped at 0.
 */
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { probeConfigFor } from './helpers/sim-probe.js';

const PROBES_PER_INTERVAL = 10;
const ROUNDS_PER_PROBE = 5;

let sim: SimNetwork;
beforeAll(async () => {
  sim = await startSimNetwork({ seed: 20261121 });
});
afterAll(async () => sim?.close());

interface Observation {
  pop: string;
  lowerMs: number;
  upperMs: number;
  estimateMs: number;
  truthMs: number;
}

async function observe(pollIntervalMs: number): Promise<Observation[]> {
  const observations: Observation[] = [];
  await Promise.all(
    Array.from({ length: PROBES_PER_INTERVAL }, async (_, index) => {
      const config = probeConfigFor(sim, `acc${pollIntervalMs}-${index}`, {
        round: { pollIntervalMs, maxWaitMs: 30_000, intervalMs: 30_000, progressMs: 60_000 },
      });
      const probe = createProbe(config);
      try {
        for (let round = 0; round < ROUNDS_PER_PROBE; round++) {
          const { report, ackAt } = await probe.runner.runOnce();
          expect(report.round.state).toBe('complete');
          const truth = sim.truth.servedAt(report.round.record, BigInt(report.round.serial));
          for (const pop of report.round.pops) {
            expect(pop.state).toBe('propagated');
            const moment = truth.get(pop.pop);
            expect(moment, `ground truth for ${pop.pop}`).toBeTruthy();
            observations.push({
              pop: pop.pop,
              lowerMs: pop.lowerMs,
              upperMs: pop.upperMs!,
              estimateMs: pop.estimateMs!,
              truthMs: Math.max(0, moment!.monotonicMs - ackAt!),
            });
          }
        }
      } finally {
        await probe.close();
      }
    }),
  );
  return observations;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe('measurement accuracy against ground truth (default sim model)', () => {
  it.each([20, 50, 100])(
    'poll interval %i ms: truth always inside [lower, upper], median error within interval/2 + 2 ms',
    async (pollIntervalMs) => {
      const observations = await observe(pollIntervalMs);
      expect(observations.length).toBe(PROBES_PER_INTERVAL * ROUNDS_PER_PROBE * sim.pops.length);
      const outside = observations.filter((o) => o.truthMs < o.lowerMs || o.truthMs > o.upperMs);
      expect(outside).toEqual([]);
      const errors = observations.map((o) => Math.abs(o.estimateMs - o.truthMs));
      const medianError = median(errors);
      console.info(
        `poll ${pollIntervalMs} ms: ${observations.length} POP observations, coverage 100%, median |estimate - truth| ${medianError.toFixed(2)} ms, max ${Math.max(...errors).toFixed(2)} ms`,
      );
      expect(medianError).toBeLessThanOrEqual(pollIntervalMs / 2 + 2);
    },
    180_000,
  );
});
