/**
 * Benchmark 6 — /api/v1/status while heavy reads run. The database holds 30
 * days of 3 probes × 14 POPs, a round per probe every 30 s (259,200 rounds,
 * 3.6 M POP results), seeded through the store (lib/seed-store.mjs), which
 * keeps the rollups as ingest does. The real CLI serves it; for each heavy
 * read in turn, four clients loop on it (autocannon, 4 connections, one
 * process) while a second process samples /api/v1/status at a fixed pace
 * with sub-millisecond timing (lib/status-sampler.mjs). The first row is
 * /api/v1/status with no heavy read, in the same run, as the reference.
 * Target: /status p99 < 5 ms under the heaviest read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './aggregator-load.mjs';
import { startAggregator } from './lib/aggregator-process.mjs';
import { readCpuSeconds, startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

/** The reads that cost most, heaviest candidates first; `null` is /status alone (the reference). */
const READS = [
  null,
  '/api/v1/propagation?window=30d',
  '/api/v1/history?window=30d&by=pop',
  '/api/v1/history?window=24h&by=pop',
  '/api/v1/history?window=7d',
  '/api/v1/propagation?window=1h',
  '/api/v1/rounds?limit=500',
  '/api/v1/pops',
  '/metrics',
];

export const FULL = { days: 30, probes: 3, roundEveryS: 30, seconds: 10, statusRate: 200, clients: 4, reads: READS };
export const TINY = {
  days: 1,
  probes: 3,
  roundEveryS: 600,
  seconds: 1,
  statusRate: 50,
  clients: 4,
  reads: [null, '/api/v1/history?window=7d'],
};

const SAMPLER = fileURLToPath(new URL('./lib/status-sampler.mjs', import.meta.url));
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

async function sampleStatus(url, settings) {
  const { child, next } = await startNodeChild(SAMPLER, [
    '--url',
    `${url}/api/v1/status`,
    '--rate',
    String(settings.statusRate),
    '--seconds',
    String(settings.seconds),
  ]);
  try {
    return await next(settings.seconds * 1000 + 60_000);
  } finally {
    await stopChild(child);
  }
}

export async function benchStatusUnderReads(settings = FULL, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-reads-'));
  const dbPath = join(dir, 'aggregator.db');
  // Other work on the machine shows in every latency here: the load when the measurements start is reported.
  const result = { settings, rows: [], loadBefore: null };
  try {
    const rounds = (settings.days * 86_400 * settings.probes) / settings.roundEveryS;
    const seeder = await startNodeChild(here('./lib/seed-store.mjs'), [
      '--db',
      dbPath,
      '--rounds',
      String(rounds),
      '--probes',
      String(settings.probes),
      '--days',
      String(settings.days),
    ]);
    result.seed = await seeder.next(1_800_000);
    await stopChild(seeder.child);
    log(
      `  seeded ${fmt(result.seed.rounds)} rounds, ${fmt(result.seed.popResults)} POP results over ${settings.days} days in ${fmt(result.seed.seconds, 1)} s`,
    );
    const aggregator = await startAggregator({ dbPath, probes: settings.probes });
    result.loadBefore = loadavg()[0];
    try {
      for (const read of settings.reads) {
        const cpuBefore = readCpuSeconds(aggregator.pid).self;
        const t0 = performance.now();
        const [heavy, status] = await Promise.all([
          read === null
            ? Promise.resolve(null)
            : runLoad(
                ['--mode', 'get', '--url', `${aggregator.url}${read}`, '--connections', String(settings.clients)],
                settings.seconds,
              ).then((r) => r),
          sampleStatus(aggregator.url, settings),
        ]);
        // Aggregator CPU over the whole measurement, as a share of one core.
        const cpu = (readCpuSeconds(aggregator.pid).self - cpuBefore) / ((performance.now() - t0) / 1000);
        result.rows.push({ read, heavy, status, cpu });
        log(
          `  ${read ?? '(no heavy read)'}: ${heavy ? `${fmt(heavy.requestsPerS, 1)} req/s (p50 ${fmt(heavy.p50Ms)} ms, non-2xx ${heavy.non2xx}); ` : ''}status p50 ${fmt(status.p50Ms, 2)} ms, p99 ${fmt(status.p99Ms, 2)} ms, max ${fmt(status.maxMs, 1)} ms; aggregator CPU ${fmt(cpu * 100)}%`,
        );
      }
    } finally {
      await aggregator.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

const verdict = (met, text) => (met ? `${text}: met` : `**${text}: missed**`);

export function statusUnderReadsTable(result) {
  const { settings, rows, seed } = result;
  const cpus = availableParallelism();
  const heavyRows = rows.filter((row) => row.heavy);
  // The heaviest read: the one each request of which costs the aggregator most CPU.
  const cost = (row) => row.cpu / Math.max(row.heavy.requestsPerS, 0.001);
  const heaviest = heavyRows.reduce((a, b) => (cost(b) > cost(a) ? b : a));
  return [
    '| heavy read (4 clients looping) | its requests/s | its p50 | aggregator CPU | `/status` p50 | `/status` p99 | `/status` max | target: p99 < 5 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((row) => {
      const name = row.read === null ? 'none (reference)' : `\`${row.read}\`${row === heaviest ? ' (heaviest)' : ''}`;
      const heavy = row.heavy
        ? `${fmt(row.heavy.requestsPerS, 1)}${row.heavy.non2xx ? ` (${row.heavy.non2xx} non-2xx)` : ''} | ${fmt(row.heavy.p50Ms)} ms`
        : '— | —';
      return `| ${name} | ${heavy} | ${fmt(row.cpu * 100)}% | ${fmt(row.status.p50Ms, 2)} ms | ${fmt(row.status.p99Ms, 2)} ms | ${fmt(row.status.maxMs, 1)} ms | ${verdict(row.status.p99Ms < 5, 'p99 < 5 ms')} |`;
    }),
    '',
    `${fmt(seed.rounds)} rounds (${fmt(seed.popResults)} POP results: ${settings.probes} probes × 14 POPs, a round per probe every ${settings.roundEveryS} s, ${settings.days} days) seeded through the store; ${settings.clients} clients loop on each read for ${settings.seconds} s while \`/api/v1/status\` is sampled ${settings.statusRate} times a second from another process. Load average when the measurements started: ${fmt(result.loadBefore, 1)} (on ${cpus} cores).`,
  ].join('\n');
}
