/**
 * propwatch's own precision: probes run rounds against the sim (same process,
 * so the sim's ground truth and the probe's ack share performance.now()), and
 * every POP's [lowerMs, upperMs] and estimate are scored against the moment
 * the POP really started serving the serial, as time after the ack (clamped
 * at 0, like the probe's own figures).
 */
import { rmSync } from 'node:fs';
import { probeForSim } from './lib/sim-probe.mjs';

/** Runs `probes` probes concurrently for `rounds` rounds each at `pollIntervalMs`; returns scored observations. */
export async function observeWithPropwatch(sim, { pollIntervalMs, probes, rounds, maxWaitMs = 30_000 }) {
  const observations = [];
  const problems = [];
  await Promise.all(
    Array.from({ length: probes }, async (_, index) => {
      const { probe, dir } = probeForSim(sim, `pw${pollIntervalMs}x${index}`, {
        round: { pollIntervalMs, maxWaitMs, intervalMs: maxWaitMs, progressMs: 60_000 },
      });
      try {
        for (let round = 0; round < rounds; round++) {
          const { report, ackAt } = await probe.runner.runOnce();
          const truth = sim.truth.servedAt(report.round.record, BigInt(report.round.serial));
          for (const pop of report.round.pops) {
            const moment = truth.get(pop.pop);
            if (pop.state !== 'propagated' || !moment || ackAt === undefined) {
              problems.push(`${pop.pop}: ${pop.state}${moment ? '' : ', no ground truth'}`);
              continue;
            }
            observations.push({
              lowerMs: pop.lowerMs,
              upperMs: pop.upperMs,
              estimateMs: pop.estimateMs,
              truthMs: Math.max(0, moment.monotonicMs - ackAt),
            });
          }
        }
      } finally {
        await probe.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
  return { observations, problems };
}
