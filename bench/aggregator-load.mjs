/**
 * Benchmark 4 — aggregator under load from a second process (autocannon):
 * ingest of unique 14-POP round reports from several probes, then
 * `GET /api/v1/status`, next to a bare fastify route returning a constant,
 * each for the same time with the same connections. The aggregator is the
 * real CLI with its defaults (SQLite synchronous=FULL, info logging) except
 * the per-probe rate limit, raised so the limiter does not cap the figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAggregator } from './lib/aggregator-process.mjs';
import { startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

export const FULL = { seconds: 10, connections: 10, probes: 20 };
export const TINY = { seconds: 1, connections: 2, probes: 2 };

const LOAD_CLIENT = fileURLToPath(new URL('./lib/http-load-client.mjs', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('./lib/bare-server.mjs', import.meta.url));

/** Runs the load client once with `args`; resolves with its result line. */
export async function runLoad(args, seconds) {
  const { child, next } = await startNodeChild(LOAD_CLIENT, args);
  try {
    return await next(seconds * 1000 + 60_000);
  } finally {
    await stopChild(child);
  }
}

export async function benchAggregator(settings = FULL, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-aggregator-'));
  const common = ['--seconds', String(settings.seconds), '--connections', String(settings.connections)];
  const rows = {};
  const aggregator = await startAggregator({ dbPath: join(dir, 'aggregator.db'), probes: settings.probes });
  try {
    rows.ingest = await runLoad(
      ['--mode', 'ingest', '--url', aggregator.url, '--probes', String(settings.probes), ...common],
      settings.seconds,
    );
    log(
      `  ingest: ${fmt(rows.ingest.requestsPerS)} reports/s, p99 ${fmt(rows.ingest.p99Ms)} ms, non-2xx ${rows.ingest.non2xx}`,
    );
    rows.status = await runLoad(
      ['--mode', 'get', '--url', `${aggregator.url}/api/v1/status`, ...common],
      settings.seconds,
    );
    log(`  status: ${fmt(rows.status.requestsPerS)} req/s, p99 ${fmt(rows.status.p99Ms)} ms`);
  } finally {
    await aggregator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = await startNodeChild(BARE_SERVER);
  try {
    rows.bare = await runLoad(
      ['--mode', 'get', '--url', `http://127.0.0.1:${bare.ready.port}/constant`, ...common],
      settings.seconds,
    );
    log(`  bare fastify: ${fmt(rows.bare.requestsPerS)} req/s, p99 ${fmt(rows.bare.p99Ms)} ms`);
  } finally {
    await stopChild(bare.child);
  }
  return { ...rows, statusOfBare: rows.status.requestsPerS / rows.bare.requestsPerS, settings };
}

const verdict = (met, text) => (met ? `${text}: met` : `**${text}: missed**`);

export function aggregatorTable(result) {
  const { ingest, status, bare, statusOfBare, settings } = result;
  return [
    `| load (${settings.connections} connections, ${settings.seconds} s each) | requests/s | p50 | p99 | non-2xx | target |`,
    '|---|---:|---:|---:|---:|---|',
    `| \`POST /api/v1/rounds\` (14 POPs, ${settings.probes} probes, unique round ids) | ${fmt(ingest.requestsPerS)} | ${fmt(ingest.p50Ms, 1)} ms | ${fmt(ingest.p99Ms, 1)} ms | ${ingest.non2xx} | ${verdict(ingest.requestsPerS >= 2000, '≥ 2,000 reports/s')} |`,
    `| \`GET /api/v1/status\` | ${fmt(status.requestsPerS)} (${fmt(statusOfBare * 100)}% of bare) | ${fmt(status.p50Ms, 1)} ms | ${fmt(status.p99Ms, 1)} ms | ${status.non2xx} | ${verdict(statusOfBare >= 0.6 && status.p99Ms < 5, '≥ 60% of bare, p99 < 5 ms')} |`,
    `| bare fastify route (constant) | ${fmt(bare.requestsPerS)} | ${fmt(bare.p50Ms, 1)} ms | ${fmt(bare.p99Ms, 1)} ms | ${bare.non2xx} | baseline |`,
  ].join('\n');
}
