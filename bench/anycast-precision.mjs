/**
 * Benchmark 7 — precision through anycast addresses, per vantage round trip:
 * the sim (default propagation model, time scale 1) with one vantage per RTT
 * (5, 50, 150, 250 ms, jitter ~8% of it) and the same four with 1% UDP loss,
 * each a catchment of two NA/EU POPs through ns1/ns2; one propwatch probe per
 * vantage, all at once, at each poll interval; then reroutes mid-round on a
 * 150 ms vantage; then the dig loop and blackbox_exporter from the loss-free
 * vantages' source addresses, through the same addresses, in the same run.
 */
import { loadavg } from 'node:os';
import { startSimNetwork } from '@propwatch/sim';
import { observeAnycast } from './anycast-propwatch.mjs';
import { observeAnycastReferences } from './anycast-reference.mjs';
import { rerouteTrials } from './anycast-reroute.mjs';
import { fmt, median, scoreObservations } from './lib/stats.mjs';

export const FULL = {
  rtts: [5, 50, 150, 250],
  polls: [20, 50],
  rounds: 16,
  lossRate: 0.01,
  rerouteTrials: 20,
  waves: 4,
  timeScale: 1,
};
export const TINY = {
  rtts: [5, 250],
  polls: [50],
  rounds: 1,
  lossRate: 0.01,
  rerouteTrials: 1,
  waves: 1,
  timeScale: 0.1,
  maxPropagationMs: 1000,
};

// NA and EU POPs only: their changes arrive within 3 s at time scale 1 (APAC's take up to 8 s), so rounds stay short.
const CATCHMENT_POPS = ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG'];
const REROUTE_RTT_MS = 150;

function benchVantages({ rtts, lossRate }) {
  const vantage = (rttMs, i, loss) => ({
    name: loss ? `rtt${rttMs}-loss` : `rtt${rttMs}`,
    sources: [`127.0.1.${(loss ? 40 : 20) + i}`],
    rttMs,
    jitterMs: Math.max(1, Math.round(rttMs * 0.08)),
    udpLossRate: loss ? lossRate : 0,
    catchment: {
      ns1: CATCHMENT_POPS[(i * 2 + (loss ? 1 : 0)) % CATCHMENT_POPS.length],
      ns2: CATCHMENT_POPS[(i * 2 + (loss ? 1 : 0) + 5) % CATCHMENT_POPS.length],
    },
  });
  const reroute = { ...vantage(REROUTE_RTT_MS, 0, false), name: 'reroute', sources: ['127.0.1.60'] };
  return {
    clean: rtts.map((r, i) => vantage(r, i, false)),
    lossy: rtts.map((r, i) => vantage(r, i, true)),
    reroute: { ...reroute, catchment: { ns1: 'FRA', ns2: 'CDG' } },
  };
}

export async function benchAnycast(settings = FULL, log = console.log) {
  const load = loadavg()[0];
  const vantages = benchVantages(settings);
  const measured = [...vantages.clean, ...vantages.lossy];
  const sim = await startSimNetwork({
    seed: 20261127,
    timeScale: settings.timeScale,
    vantages: [...measured, vantages.reroute],
  });
  const rows = [];
  const problems = [];
  let reroute;
  let reference;
  try {
    // One unscored round first (JIT, sockets), as in benchmark 1.
    await observeAnycast(sim, measured.slice(0, 1), { pollIntervalMs: settings.polls[0], rounds: 1, tag: 'warm' });
    for (const pollIntervalMs of settings.polls) {
      const started = performance.now();
      const result = await observeAnycast(sim, measured, {
        pollIntervalMs,
        rounds: settings.rounds,
        tag: `p${pollIntervalMs}`,
      });
      problems.push(...result.problems);
      for (const vantage of measured) {
        const tally = result.byVantage.get(vantage.name);
        rows.push({ vantage, pollIntervalMs, tool: 'propwatch', ...tally, ...scoreObservations(tally.observations) });
        log(`  ${describe(rows.at(-1))}`);
      }
      log(`  poll ${pollIntervalMs} ms: ${fmt((performance.now() - started) / 1000, 0)} s`);
    }
    const started = performance.now();
    reroute = await rerouteTrials(sim, vantages.reroute, {
      pollIntervalMs: settings.polls[0],
      trials: settings.rerouteTrials,
      pops: ['FRA', 'ORD'],
    });
    problems.push(...reroute.problems);
    log(
      `  reroutes: ${reroute.trials} trials, ${reroute.corrupted} corrupted (${fmt((performance.now() - started) / 1000, 0)} s)`,
    );
    reference = await observeAnycastReferences(sim, vantages.clean, {
      waves: settings.waves,
      maxPropagationMs: settings.maxPropagationMs,
    });
    problems.push(...reference.problems);
    for (const [tool, byVantage] of Object.entries(reference.observations))
      for (const vantage of vantages.clean) {
        const observations = byVantage.get(vantage.name);
        rows.push({ vantage, pollIntervalMs: 1000, tool, observations, ...scoreObservations(observations) });
        log(`  ${describe(rows.at(-1))}`);
      }
  } finally {
    await sim.close();
  }
  for (const problem of problems.slice(0, 10)) log(`  problem: ${problem}`);
  return { rows, reroute, problems, load, settings };
}

const TOOL_NAMES = { propwatch: 'propwatch', dig: '`dig -b` loop', blackbox: 'blackbox_exporter DNS' };

function describe(row) {
  return `${TOOL_NAMES[row.tool]} rtt ${row.vantage.rttMs} ms${row.vantage.udpLossRate ? ' 1% loss' : ''} every ${row.pollIntervalMs} ms: ${row.count} obs, coverage ${fmt(row.coverage * 100, 1)}%, median ${fmt(row.medianErrorMs, 1)} ms, p99 ${fmt(row.p99ErrorMs, 1)} ms`;
}

/** Markdown tables of a `benchAnycast` result. */
export function anycastTable({ rows, reroute, problems, load, settings }) {
  const lines = [
    '| observer | vantage RTT + jitter | UDP loss | POP observations | truth inside [lower, upper] | median width of [lower, upper] | median \\|estimate − truth\\| | p99 \\|estimate − truth\\| | failed queries |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const observer =
      row.tool === 'propwatch' ? `propwatch, poll ${row.pollIntervalMs} ms` : `${TOOL_NAMES[row.tool]}, 1 s`;
    const target = row.tool === 'propwatch' && !(row.coverage >= 1) ? ' **(target 100%: missed)**' : '';
    const failed = row.tool === 'propwatch' ? `${fmt(row.failures)} of ${fmt(row.queries)}` : '—';
    lines.push(
      `| ${observer} | ${row.vantage.rttMs} + 0..${row.vantage.jitterMs} ms | ${row.vantage.udpLossRate ? `${row.vantage.udpLossRate * 100}%` : '0'} | ${row.count} | ${fmt(row.coverage * 100, 1)}%${target} | ${fmt(median(row.observations.map((o) => o.upperMs - o.lowerMs)), 1)} ms | ${fmt(row.medianErrorMs, 1)} ms | ${fmt(row.p99ErrorMs, 1)} ms | ${failed} |`,
    );
  }
  lines.push(
    '',
    `| reroute mid-round (vantage RTT ${REROUTE_RTT_MS} ms, poll ${settings.polls[0]} ms) | trials | moved mid-round | old instance \`rerouted\` | new instance's interval holds its truth | corrupted or mixed-instance results |`,
    '|---|---:|---:|---:|---:|---:|',
    `| ns1 moved between FRA and ORD before the old POP served | ${reroute.trials} | ${reroute.midRound} | ${reroute.oldRerouted} | ${reroute.newHeld} | ${reroute.corrupted}${reroute.corrupted > 0 ? ' **(target 0: missed)**' : ''} |`,
    '',
    `Each propwatch row: ${settings.rounds} rounds × 2 anycast addresses from one vantage (${settings.rtts.length * 2} vantages at once); each reference row: ${settings.waves} writes × 2 addresses, dig and blackbox_exporter bound to the vantage's source address. Problems (wrong instance, unscored result, corrupted reroute): ${problems.length}. Load average when the run started: ${fmt(load, 1)} (on the machine's cores, shared with other work).`,
  );
  return lines.join('\n');
}
