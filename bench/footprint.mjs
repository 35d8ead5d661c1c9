/**
 * Benchmark 5 — footprint and scale:
 * - a probe process polling 300 targets every 50 ms (all on one Knot server,
 *   distinct names, never propagated so polling never stops): RSS and CPU
 *   from /proc, and the query rate it really achieved;
 * - the alarm client polling an aggregator with the console driver: the Pi's one-file bundle run through its
 *   own `#!` line (its V8 flags), and the workspace CLI (dist/cli.js): RSS;
 * - beside each of those, a bare `node -e 'setInterval(()=>{},1e3)'` started with it and read at the same
 *   moments, so every RSS has the floor of this Node on this machine next to it;
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
import { readCpuSeconds, readMemory, runCommand, sleep, startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

/** Issue 18 item 3: the alarm client on the Pi, and a probe at 300 targets × 50 ms. */
export const TARGETS = { alarmRssMiB: 50, probeRssMiB: 80 };
const BARE_NODE = ['-e', 'setInterval(()=>{},1e3)'];

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

/** A bare Node process running next to a measured one: the floor of its RSS in the same run. */
function startBare() {
  return spawn(process.execPath, BARE_NODE, { stdio: 'ignore' });
}

/**
 * Samples the RSS of `pid` and of a bare Node process every 250 ms for `ms`: the highest of each
 * (both settle within a second of starting; the bare one is started first).
 */
async function sampleRss(pid, bare, ms) {
  let rss = 0;
  let bareRss = 0;
  for (let t = 0; t < ms; t += 250) {
    rss = Math.max(rss, readMemory(pid).rssMiB);
    bareRss = Math.max(bareRss, readMemory(bare.pid).rssMiB);
    await sleep(250);
  }
  return { rss, bareRss };
}

async function measureProbe(settings) {
  const knot = await startKnot();
  const bare = startBare();
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
    const { rss: rssMax, bareRss } = await sampleRss(child.pid, bare, windowMs);
    const cpuCores = (readCpuSeconds(child.pid).self - cpuBefore) / (windowMs / 1000);
    const peakMiB = readMemory(child.pid).peakMiB;
    const done = await next(settings.probeSeconds * 1000 + 30_000);
    await stopChild(child);
    const queriesPerS = done.queries / (done.elapsedMs / 1000);
    return {
      rssMiB: rssMax,
      bareRssMiB: bareRss,
      peakMiB,
      cpuCores,
      cpuUsPerQuery: (cpuCores * 1e6) / queriesPerS,
      queriesPerS,
      expectedPerS: (settings.targets * 1000) / settings.pollMs,
      failures: done.failures,
    };
  } finally {
    await stopChild(bare);
    await knot.stop();
  }
}

/** The Pi's one-file bundle (alarm-pi/scripts/bundle.mjs), built into `dir`. */
async function buildAlarmBundle(dir) {
  const outfile = join(dir, 'propwatch-alarm.mjs');
  const built = await runCommand(process.execPath, [here('../alarm-pi/scripts/bundle.mjs'), outfile], {
    timeoutMs: 120_000,
  });
  if (built.code !== 0) throw new Error(`alarm-pi bundle failed: ${built.stderr || built.stdout}`);
  return outfile;
}

/** `command` is what is executed: the bundle itself (its `#!` line picks Node and flags) or node + a script. */
async function measureAlarmClient(command, args, url, seconds) {
  const bare = startBare();
  const child = spawn(command, [...args, '--driver', 'console'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    // The shipped example config, as on a Pi (so its YAML is read), pointed at the benchmark's aggregator.
    env: {
      ...process.env,
      PROPWATCH_CONFIG: here('../alarm-pi/deploy/alarm.example.yaml'),
      PROPWATCH_AGGREGATOR__URL: url,
    },
  });
  try {
    // RSS once it has polled for a while: sampled over the last second of `seconds`.
    await sleep(Math.max(0, seconds - 1) * 1000);
    if (child.exitCode !== null) throw new Error(`alarm client exited with ${child.exitCode}`);
    const { rss, bareRss } = await sampleRss(child.pid, bare, 1000);
    return { rssMiB: rss, bareRssMiB: bareRss, peakMiB: readMemory(child.pid).peakMiB };
  } finally {
    await stopChild(child);
    await stopChild(bare);
  }
}

export async function benchFootprint(settings = FULL, log = console.log) {
  const result = { settings };
  result.probe = await measureProbe(settings);
  log(
    `  probe, ${settings.targets} targets every ${settings.pollMs} ms: RSS ${fmt(result.probe.rssMiB, 1)} MiB (peak ${fmt(result.probe.peakMiB, 1)}; bare node ${fmt(result.probe.bareRssMiB, 1)}), CPU ${fmt(result.probe.cpuCores * 100, 1)}% of a core, ${fmt(result.probe.cpuUsPerQuery, 1)} µs/query, ${fmt(result.probe.queriesPerS)} of ${fmt(result.probe.expectedPerS)} queries/s`,
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
      const bundle = await buildAlarmBundle(dir);
      result.alarm = await measureAlarmClient(bundle, [], aggregator.url, settings.alarmSeconds);
      log(
        `  alarm client (Pi bundle) RSS ${fmt(result.alarm.rssMiB, 1)} MiB (bare node ${fmt(result.alarm.bareRssMiB, 1)})`,
      );
      const cli = here('../alarm-pi/dist/cli.js');
      result.alarmCli = await measureAlarmClient(process.execPath, [cli], aggregator.url, settings.alarmSeconds);
      log(
        `  alarm client (workspace CLI) RSS ${fmt(result.alarmCli.rssMiB, 1)} MiB (bare node ${fmt(result.alarmCli.bareRssMiB, 1)})`,
      );
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

const metOrMissed = (rss, target) => (rss <= target ? 'met' : 'missed');

export function footprintTable(r) {
  const s = r.settings;
  const { ingest, status } = r.scale;
  const bare = "bare `node -e 'setInterval(()=>{},1e3)'`";
  return [
    `| process | RSS | ${bare} beside it, same run | target | | command |`,
    '|---|---:|---:|---|---|---|',
    `| alarm client, Pi bundle (console driver, polling every 1 s, after ${s.alarmSeconds} s) | ${fmt(r.alarm.rssMiB, 1)} MiB (peak ${fmt(r.alarm.peakMiB, 1)}) | ${fmt(r.alarm.bareRssMiB, 1)} MiB | ≤ ${TARGETS.alarmRssMiB} MiB | ${metOrMissed(r.alarm.rssMiB, TARGETS.alarmRssMiB)} | \`./propwatch-alarm.mjs --driver console\` (its \`#!\` line: \`node --lite-mode --no-expose-wasm\`) |`,
    `| alarm client, workspace CLI (same) | ${fmt(r.alarmCli.rssMiB, 1)} MiB (peak ${fmt(r.alarmCli.peakMiB, 1)}) | ${fmt(r.alarmCli.bareRssMiB, 1)} MiB | — (not what a Pi runs) | | \`node alarm-pi/dist/cli.js --driver console\` |`,
    `| probe polling ${s.targets} targets every ${s.pollMs} ms (Knot) | ${fmt(r.probe.rssMiB, 1)} MiB (peak ${fmt(r.probe.peakMiB, 1)}) | ${fmt(r.probe.bareRssMiB, 1)} MiB | ≤ ${TARGETS.probeRssMiB} MiB | ${metOrMissed(r.probe.rssMiB, TARGETS.probeRssMiB)} | \`node bench/lib/probe-child.mjs\` (\`createProbe\`, one round) |`,
    '',
    '| what | figure |',
    '|---|---|',
    `| probe polling ${s.targets} targets every ${s.pollMs} ms (Knot) | CPU ${fmt(r.probe.cpuCores * 100, 1)}% of one core, ${fmt(r.probe.cpuUsPerQuery, 1)} µs CPU per query, ${fmt(r.probe.queriesPerS)} queries/s of ${fmt(r.probe.expectedPerS)} scheduled, ${r.probe.failures} failures |`,
    `| aggregator database | ${fmt(r.seed.popResults)} POP results in ${fmt(r.seed.rounds)} rounds from ${s.probes} probes over 7 days, inserted through \`SqliteRoundStore.upsertRound\` in ${fmt(r.seed.seconds, 1)} s |`,
    `| aggregator start on it | ${fmt(r.aggregatorStartS, 1)} s to /healthz; RSS ${fmt(r.aggregatorIdle.rssMiB, 1)} MiB idle |`,
    `| aggregator with ${s.probes} probes reporting (offered ${s.ingestRate} reports/s for ${s.scaleSeconds} s) | ${fmt(ingest.requestsPerS)} reports/s accepted (p99 ${fmt(ingest.p99Ms)} ms, non-2xx ${ingest.non2xx}); RSS ${fmt(r.aggregatorLoaded.rssMiB, 1)} MiB (peak ${fmt(r.aggregatorLoaded.peakMiB, 1)} MiB) |`,
    `| \`GET /api/v1/status\` meanwhile (${s.statusRate} req/s offered) | p50 ${fmt(status.p50Ms, 1)} ms, p99 ${fmt(status.p99Ms, 1)} ms, max ${fmt(status.maxMs, 1)} ms, ${fmt(status.requestsPerS)} req/s |`,
  ].join('\n');
}
