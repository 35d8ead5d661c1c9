/**
 * propwatch through the sim's anycast addresses, one probe per vantage, all at
 * once: each probe binds its queries to its vantage's source address, so the
 * sim answers it from that vantage's catchment after that vantage's round
 * trip (and loses its share of UDP queries). Every instance a probe reports
 * is checked to be the one the catchment names (by POP and NSID) and scored
 * against the moment that POP started serving the serial, as time after the
 * probe's ack (same process, same performance.now(); clamped at 0 like the
 * probe's own figures).
 */
import { rmSync } from 'node:fs';
import { findInconsistencies } from '@propwatch/shared';
import { probeForSim } from './lib/sim-probe.mjs';

/** A probe bound to `vantage`'s source, polling every anycast address of the sim. */
export function anycastProbe(sim, vantage, probeId, { pollIntervalMs, maxWaitMs = 30_000 }) {
  return probeForSim(sim, probeId, {
    targets: sim.anycast.map((a) => ({ name: a.name, address: a.address, port: a.port, kind: 'anycast' })),
    popFromNsid: { pattern: sim.nsidPattern },
    query: { sourceAddress: vantage.sources[0] },
    round: { pollIntervalMs, maxWaitMs, intervalMs: maxWaitMs, progressMs: 60_000 },
  });
}

/** Ground truth of a round per POP, as ms after the ack; undefined for a POP that never served it. */
export function truthAfterAck(sim, report, ackAt) {
  const served = sim.truth.servedAt(report.round.record, BigInt(report.round.serial));
  return (pop) => {
    const moment = served.get(pop);
    return moment ? Math.max(0, moment.monotonicMs - ackAt) : undefined;
  };
}

/**
 * Runs `rounds` rounds on every vantage at once at `pollIntervalMs`.
 * Returns `{byVantage: Map<name, {observations, failures, queries}>, problems}`.
 */
export async function observeAnycast(sim, vantages, { pollIntervalMs, rounds, tag }) {
  const byVantage = new Map(vantages.map((v) => [v.name, { observations: [], failures: 0, queries: 0 }]));
  const problems = [];
  await Promise.all(
    vantages.map(async (vantage) => {
      const { probe, dir } = anycastProbe(sim, vantage, `${tag}-${vantage.name}`, { pollIntervalMs });
      const tally = byVantage.get(vantage.name);
      try {
        for (let round = 0; round < rounds; round++) {
          const { report, ackAt } = await probe.runner.runOnce();
          const where = `${vantage.name} poll ${pollIntervalMs} ms round ${round + 1}`;
          for (const issue of findInconsistencies(report)) problems.push(`${where}: ${issue.pointer} ${issue.message}`);
          if (ackAt === undefined) {
            problems.push(`${where}: write failed (${report.round.write.error})`);
            continue;
          }
          const truth = truthAfterAck(sim, report, ackAt);
          const expected = sim.anycast.map((a) => `${a.name}:${vantage.catchment[a.name]}`).sort();
          const seen = report.round.pops.map((p) => `${p.via}:${p.pop}`).sort();
          if (seen.join() !== expected.join()) problems.push(`${where}: instances ${seen} (catchment ${expected})`);
          for (const pop of report.round.pops) {
            tally.queries += pop.queries;
            tally.failures += pop.failures;
            const nsid = sim.pops.find((p) => p.name === pop.pop)?.nsid;
            const truthMs = truth(pop.pop);
            if (pop.state !== 'propagated' || truthMs === undefined || pop.nsid !== nsid) {
              problems.push(`${where}: ${pop.via} ${pop.pop} ${pop.state} nsid ${pop.nsid}`);
              continue;
            }
            tally.observations.push({ ...pick(pop), truthMs });
          }
        }
      } finally {
        await probe.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
  return { byVantage, problems };
}

const pick = ({ lowerMs, upperMs, estimateMs }) => ({ lowerMs, upperMs, estimateMs });
