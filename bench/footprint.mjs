/**
 * Benchmark 5 — footprint and scale:
 * - a probe process polling 300 targets every 50 ms (all on one Knot server,
 *   distinct names, never propagated so polling never stops): RSS and CPU
 *   from /proc, and the query rate it really achieved;
 * - the alarm client process (real CLI, console driver) polling an aggregator: RSS;
 * - the aggregator (real CLI) on a database seeded through the store with
 *   ~1,000,000 POP results, 1,000 probes configured and reporting, with
 *   `GET /api/v1/status` latency measured while they report.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './aggregator-load.mjs';
import { startAggregator } from './lib/aggregator-process.mjs';
import { startKnot } from './lib/knot.mjs';
import { readCpuSeconds, readMemory, sleep, startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

export const FULL = {
  targets: 300,
  pollMs: 50,
  probeSeconds: 20,
  popResults: 1_000_000,
  probes: 1000,
  ingestRate: 300,
  statusRate: 100,
  scaleSeconds: 15,
  alarmSeconds: 6,
};
export const TINY = {
  targets: 10,
  pollMs: 50,
  probeSeconds: 2,
  popResults: 1400,
  probes: 10,
  ingestRate: 20,
  statusRate: 20,
  scaleSeconds: 1,
  alarmSeconds: 1.5,
};

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

async function measureProbe(settings) {
  const knot = await startKnot();
  try {
    const { child, next } = await startNodeChild(here('./lib/probe-child.mjs'), [
      '--target',
      `${knot.address}:${knot.port}`,
      '--targets',
      String(settings.targets),
      '--poll',
      String(settings.pollMs),
      '--seconds',
      String(settings.probeSeconds),
    ]);
    // Skip the first quarter (start-up, JIT), then measure CPU over the middle half.
    await sleep((settings.probeSeconds * 1000) / 4);
    const cpuBefore = readCpuSeconds(child.pid).self;
    const windowMs = (settings.probeSeconds * 1000) / 2;
    let rssMax = 0;
    for (let t = 0; t < windowMs; t += 250) {
      rssMax = Math.max(rssMax, readMemory(child.pid).rssMiB);
      await sleep(250);
    }
    const cpuCores = (readCpuSeconds(child.pid).self - cpuBefore) / (windowMs / 1000);
    const peakMiB = readMemory(child.pid).peakMiB;
    const done = await next(settings.probeSeconds * 1000 + 30_000);
    await stopChild(child);
    return {
      rssMiB: rssMax,
      peakMiB,
      cpuCores,
      queriesPerS: done.queries / (done.elapsedMs / 1000),
      expectedPerS: (settings.targets * 1000) / settings.pollMs,
      failures: done.failures,
    };
  } finally {
    await knot.stop();
  }
}

async function measureAlarmClient(url, seconds) {
  const child = spawn(process.execPath, [here('../alarm-pi/dist/cli.js'), '--driver', 'console'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, PROPWATCH_AGGREGATOR__URL: url },
  });
  try {
    await sleep(seconds * 1000);
    if (child.exitCode !== null) throw new Error(`alarm client exited with ${child.exitCode}`);
    return readMemory(child.pid);
  } finally {
    await stopChild(child);
  }
}

export async function benchFootprint(settings = FULL, log = console.log) {
  const result = { settings };
  result.probe = await measureProbe(settings);
  log(
    `  probe, ${settings.targets} targets every ${settings.pollMs} ms: RSS ${fmt(result.probe.rssMiB, 1)} MiB (peak ${fmt(result.probe.peakMiB, 1)}), CPU ${fmt(result.probe.cpuCores * 100, 1)}% of a core, ${fmt(result.probe.queriesPerS)} of ${fmt(result.probe.expectedPerS)} queries/s`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-scale-'));
  const dbPath = join(dir, 'aggregator.db');
  try {
    const rounds = Math.ceil(settings.popResults / 14);
    const seeder = await startNodeChild(here('./lib/seed-store.mjs'), [
      '--db',
      dbPath,
      '--rounds',
      String(rounds),
      '--probes',
      String(settings.probes),
    ]);
    result.seed = await seeder.next(600_000);
    log(
      `  seeded ${fmt(result.seed.popResults)} POP results (${fmt(result.seed.rounds)} rounds) in ${fmt(result.seed.seconds, 1)} s`,
    );
    const startedAt = performance.now();
    const aggregator = await startAggregator({ dbPath, probes: settings.probes });
    result.aggregatorStartS = (performance.now() - startedAt) / 1000;
    try {
      result.aggregatorIdle = readMemory(aggregator.pid);
      result.alarm = await measureAlarmClient(aggregator.url, settings.alarmSeconds);
      log(`  alarm client RSS ${fmt(result.alarm.rssMiB, 1)} MiB`);
      result.scale = await runLoad(
        [
          '--mode',
          'scale',
          '--url',
          aggregator.url,
          '--probes',
          String(settings.probes),
          '--ingest-rate',
          String(settings.ingestRate),
          '--status-rate',
          String(settings.statusRate),
          '--seconds',
          String(settings.scaleSeconds),
        ],
        settings.scaleSeconds,
      );
      result.aggregatorLoaded = readMemory(aggregator.pid);
      const { ingest, status } = result.scale;
      log(
        `  aggregator: start ${fmt(result.aggregatorStartS, 1)} s, RSS idle ${fmt(result.aggregatorIdle.rssMiB, 1)} MiB, loaded ${fmt(result.aggregatorLoaded.rssMiB, 1)} MiB (peak ${fmt(result.aggregatorLoaded.peakMiB, 1)}); ingest ${fmt(ingest.requestsPerS)} of ${settings.ingestRate} reports/s; status p50 ${fmt(status.p50Ms, 1)} ms, p99 ${fmt(status.p99Ms, 1)} ms`,
      );
    } finally {
      await aggregator.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

export function footprintTable(r) {
  const s = r.settings;
  const { ingest, status } = r.scale;
  return [
    '| what | figure |',
    '|---|---|',
    `| probe polling ${s.targets} targets every ${s.pollMs} ms (Knot) | RSS ${fmt(r.probe.rssMiB, 1)} MiB (peak ${fmt(r.probe.peakMiB, 1)} MiB), CPU ${fmt(r.probe.cpuCores * 100, 1)}% of one core, ${fmt(r.probe.queriesPerS)} queries/s of ${fmt(r.probe.expectedPerS)} scheduled, ${r.probe.failures} failures |`,
    `| alarm client (CLI, console driver, polling every 1 s, after ${s.alarmSeconds} s) | RSS ${fmt(r.alarm.rssMiB, 1)} MiB (a Pi Zero has 512 MB) |`,
    `| aggregator database | ${fmt(r.seed.popResults)} POP results in ${fmt(r.seed.rounds)} rounds from ${s.probes} probes over 7 days, inserted through \`SqliteRoundStore.upsertRound\` in ${fmt(r.seed.seconds, 1)} s |`,
    `| aggregator start on it | ${fmt(r.aggregatorStartS, 1)} s to /healthz; RSS ${fmt(r.aggregatorIdle.rssMiB, 1)} MiB idle |`,
    `| aggregator with ${s.probes} probes reporting (offered ${s.ingestRate} reports/s for ${s.scaleSeconds} s) | ${fmt(ingest.requestsPerS)} reports/s accepted (p99 ${fmt(ingest.p99Ms)} ms, non-2xx ${ingest.non2xx}); RSS ${fmt(r.aggregatorLoaded.rssMiB, 1)} MiB (peak ${fmt(r.aggregatorLoaded.peakMiB, 1)} MiB) |`,
    `| \`GET /api/v1/status\` meanwhile (${s.statusRate} req/s offered) | p50 ${fmt(status.p50Ms, 1)} ms, p99 ${fmt(status.p99Ms, 1)} ms, max ${fmt(status.maxMs, 1)} ms, ${fmt(status.requestsPerS)} req/s |`,
  ].join('\n');
}
