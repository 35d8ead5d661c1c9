/**
 * A reroute mid-round, repeated: before each round the vantage's `ns1`
 * reaches POP A; once the write has committed, the sim moves the catchment
 * to POP B at a random moment before A is scheduled to serve (from the
 * propagation model's plan), so A is left before it was seen serving. Each
 * round is checked against the ground truth for a corrupted or mixed-instance
 * result: a report that breaks the wire's cross-field rules, an instance
 * other than A and B or with the other one's NSID, A's queries not exactly
 * the sim's answers from A, A not `rerouted` or censored after the move or
 * after its truth, B's interval not holding B's truth. The next round moves
 * it back (B → A).
 */
import { rmSync } from 'node:fs';
import { findInconsistencies } from '@propwatch/shared';
import { anycastProbe, truthAfterAck } from './anycast-propwatch.mjs';
import { sleep } from './lib/proc.mjs';

export async function rerouteTrials(
  sim,
  vantage,
  { pollIntervalMs, trials, pops: [first, second], random = Math.random },
) {
  const { probe, dir } = anycastProbe(sim, vantage, `reroute-${vantage.name}`, { pollIntervalMs });
  const results = [];
  let from = first;
  let to = second;
  try {
    for (let trial = 0; trial < trials; trial++) {
      sim.reroute(vantage.name, 'ns1', from);
      const before = sim.latestVersion().version;
      const since = sim.answers.recorded;
      const running = probe.runner.runOnce();
      while (sim.latestVersion().version === before) await sleep(1);
      const version = sim.latestVersion();
      const arrivalMs = sim.plannedDelays(version.version)?.get(from)?.arrivalMs ?? 0;
      const moveAfterMs = (0.1 + 0.8 * random()) * arrivalMs;
      await sleep(Math.max(0, version.committedAt.monotonicMs + moveAfterMs - performance.now()));
      const event = sim.reroute(vantage.name, 'ns1', to);
      const { report, ackAt } = await running;
      results.push(checkTrial(sim, vantage, { report, ackAt, from, to, event, since }));
      [from, to] = [to, from];
    }
  } finally {
    await probe.close();
    rmSync(dir, { recursive: true, force: true });
    sim.reroute(vantage.name, 'ns1', first);
  }
  return {
    trials: results.length,
    midRound: results.filter((r) => r.midRound).length,
    oldRerouted: results.filter((r) => r.oldState === 'rerouted').length,
    newHeld: results.filter((r) => r.newHeld).length,
    corrupted: results.filter((r) => r.problems.length > 0).length,
    problems: results.flatMap((r, i) => r.problems.map((p) => `reroute trial ${i + 1}: ${p}`)),
  };
}

/** Problems of one reroute round, from the report and the sim's truth and answer log (exported for its test). */
export function checkTrial(sim, vantage, { report, ackAt, from, to, event, since }) {
  const problems = findInconsistencies(report).map((i) => `${i.pointer} ${i.message}`);
  if (ackAt === undefined) return { problems: ['write failed'], midRound: false };
  const truth = truthAfterAck(sim, report, ackAt);
  const moveMs = event.at.monotonicMs - ackAt;
  const ns1 = report.round.pops.filter((p) => p.via === 'ns1');
  const nsidOf = (pop) => sim.pops.find((p) => p.name === pop)?.nsid;
  for (const entry of ns1) {
    if (entry.pop !== from && entry.pop !== to) problems.push(`unexpected instance ${entry.pop}`);
    if (entry.nsid !== nsidOf(entry.pop)) problems.push(`${entry.pop} carries NSID ${entry.nsid}`);
  }
  const answers = sim.answers
    .list({ since, vantage: vantage.name, via: 'ns1' })
    .answers.filter((a) => a.qname === report.round.record.toLowerCase());
  const old = ns1.find((p) => p.pop === from);
  const moved = ns1.find((p) => p.pop === to);
  const midRound = moveMs < report.round.elapsedMs;
  if (!old) problems.push(`no entry for the old instance ${from}`);
  else {
    // Every answer A gave arrived before the move, so the probe must count exactly those against A.
    const fromA = answers.filter((a) => a.pop === from).length;
    if (old.queries !== fromA) problems.push(`${from} counts ${old.queries} queries, the sim answered ${fromA}`);
    // A query that reached A just before the move may still have been decided after A's change arrived:
    // then A was seen serving and must be `propagated` around its truth, else `rerouted` before the move.
    const truthA = truth(from);
    const servedByA =
      truthA !== undefined && answers.some((a) => a.pop === from && a.decidedAt.monotonicMs - ackAt >= truthA);
    if (servedByA) {
      if (old.state !== 'propagated' || old.lowerMs > truthA || old.upperMs < truthA)
        problems.push(`${from} served: ${old.state} [${old.lowerMs}, ${old.upperMs}], truth ${truthA}`);
    } else {
      if (old.state !== 'rerouted') problems.push(`${from} never served, yet ${old.state}`);
      if (old.lowerMs > moveMs) problems.push(`${from} censored at ${old.lowerMs} ms, after the move at ${moveMs} ms`);
      if (truthA !== undefined && old.lowerMs > truthA) problems.push(`${from} censored after its own truth`);
    }
  }
  const truthB = truth(to);
  const newHeld =
    moved?.state === 'propagated' && truthB !== undefined && moved.lowerMs <= truthB && moved.upperMs >= truthB;
  if (!newHeld)
    problems.push(
      `${to}: ${moved ? `${moved.state} [${moved.lowerMs}, ${moved.upperMs}]` : 'missing'}, truth ${truthB}`,
    );
  if (!midRound) problems.push(`the move at ${moveMs} ms came after the round (${report.round.elapsedMs} ms)`);
  return { problems, midRound, oldState: old?.state, newHeld };
}
