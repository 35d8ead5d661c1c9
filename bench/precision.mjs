/**
 * Benchmark 1 — precision against ground truth: propwatch at several poll
 * intervals next to blackbox_exporter (1 s and 15 s scrapes) and a 1 s dig
 * loop, all on the sim with its default (real-time) propagation model.
 */
import { startSimNetwork } from '@propwatch/sim';
import { observeWithPropwatch } from './precision-propwatch.mjs';
import { observeWithReferenceTools, REFERENCE_INTERVALS } from './precision-reference.mjs';
import { fmt, scoreObservations } from './lib/stats.mjs';

export const FULL = { intervals: [10, 20, 50, 100, 250], probes: 5, rounds: 3, waves: 4, names: 4, timeScale: 1 };
export const TINY = {
  intervals: [50],
  probes: 1,
  rounds: 1,
  waves: 1,
  names: 1,
  timeScale: 0.05,
  maxPropagationMs: 2000,
  referenceIntervals: { blackboxFast: 200, blackboxSlow: 500, dig: 200 },
};

export async function benchPrecision(settings = FULL, log = console.log) {
  const sim = await startSimNetwork({ seed: 20261121, timeScale: settings.timeScale });
  const rows = [];
  const problems = [];
  try {
    // One unscored round first: JIT and socket set-up of a cold process would
    // otherwise land in the first interval's figures.
    await observeWithPropwatch(sim, { pollIntervalMs: settings.intervals[0], probes: 1, rounds: 1 });
    for (const pollIntervalMs of settings.intervals) {
      const started = performance.now();
      const result = await observeWithPropwatch(sim, {
        pollIntervalMs,
        probes: settings.probes,
        rounds: settings.rounds,
      });
      problems.push(...result.problems.map((p) => `propwatch ${pollIntervalMs} ms: ${p}`));
      rows.push({ tool: `propwatch, poll ${pollIntervalMs} ms`, ...scoreObservations(result.observations) });
      log(`  ${rows.at(-1).tool}: ${describe(rows.at(-1))} (${fmt((performance.now() - started) / 1000, 0)} s)`);
    }
    const started = performance.now();
    const intervals = settings.referenceIntervals ?? REFERENCE_INTERVALS;
    const reference = await observeWithReferenceTools(sim, {
      waves: settings.waves,
      names: settings.names,
      maxPropagationMs: settings.maxPropagationMs,
      intervals,
    });
    problems.push(...reference.problems);
    const seconds = (ms) => `${ms / 1000} s`;
    const labels = {
      blackboxFast: `blackbox_exporter DNS, scrape ${seconds(intervals.blackboxFast)}`,
      blackboxSlow: `blackbox_exporter DNS, scrape ${seconds(intervals.blackboxSlow)}`,
      dig: `\`dig\` loop, ${seconds(intervals.dig)}`,
    };
    for (const [key, observations] of Object.entries(reference.observations)) {
      rows.push({ tool: labels[key], ...scoreObservations(observations) });
      log(`  ${rows.at(-1).tool}: ${describe(rows.at(-1))}`);
    }
    log(`  reference tools: ${fmt((performance.now() - started) / 1000, 0)} s`);
  } finally {
    await sim.close();
  }
  for (const problem of problems.slice(0, 10)) log(`  problem: ${problem}`);
  return { rows, problems, settings };
}

function describe(row) {
  return `${row.count} obs, coverage ${fmt(row.coverage * 100, 1)}%, median ${fmt(row.medianErrorMs, 1)} ms, p99 ${fmt(row.p99ErrorMs, 1)} ms`;
}

/** Markdown table of a `benchPrecision` result. */
export function precisionTable({ rows }) {
  const lines = [
    '| observer | POP observations | truth inside [lower, upper] | median \\|estimate − truth\\| | p99 \\|estimate − truth\\| |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const coverage = `${fmt(row.coverage * 100, 1)}%${row.coverage < 1 && row.tool.startsWith('propwatch') ? ' **(target 100%: missed)**' : ''}`;
    lines.push(
      `| ${row.tool} | ${row.count} | ${coverage} | ${fmt(row.medianErrorMs, 1)} ms | ${fmt(row.p99ErrorMs, 1)} ms |`,
    );
  }
  return lines.join('\n');
}
