#!/usr/bin/env node
/**
 * Issue 16 item 7 — the aggregator's storage backends under the same load, in
 * one run: SQLite (one process), PostgreSQL with one replica, PostgreSQL with
 * two replicas sharing the load. Each setup gets ingest of unique 14-POP
 * round reports, then `GET /api/v1/status`, from load clients in their own
 * processes (autocannon; the connections split evenly over the replicas, each
 * client its own round numbers), for the same time with the same total
 * connections. Each aggregator is the real CLI (SQLite synchronous=FULL;
 * PostgreSQL with fsync on, a fresh database per setup) and its peak RSS
 * (VmHWM) is read after the load.
 *
 *   node bench/ha-load.mjs            full settings, prints the table
 *   node bench/ha-load.mjs --tiny     smoke settings
 *   node bench/ha-load.mjs --write    also writes the table into bench/README.md (between the ha-results markers)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAggregator } from './lib/aggregator-process.mjs';
import { describeMachine } from './lib/machine.mjs';
import { startPgCluster } from './lib/pg-cluster.mjs';
import { readMemory, startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

export const FULL = { seconds: 10, connections: 10, probes: 20 };
export const TINY = { seconds: 1, connections: 2, probes: 2 };

const LOAD_CLIENT = fileURLToPath(new URL('./lib/http-load-client.mjs', import.meta.url));

/** One load client process for one run; resolves with its result line. */
async function runLoad(args, seconds) {
  const { child, next } = await startNodeChild(LOAD_CLIENT, args);
  try {
    return await next(seconds * 1000 + 60_000);
  } finally {
    await stopChild(child);
  }
}

/** Runs the same load against every replica at once, connections split evenly; sums the rates. */
async function loadAll(urls, mode, path, settings, firstSequence) {
  const per = Math.max(1, Math.round(settings.connections / urls.length));
  const results = await Promise.all(
    urls.map((url, i) =>
      runLoad(
        [
          '--mode',
          mode,
          '--url',
          `${url}${path}`,
          '--seconds',
          String(settings.seconds),
          '--connections',
          String(per),
          '--probes',
          String(settings.probes),
          '--first-sequence',
          String(firstSequence + i * 10_000_000),
        ],
        settings.seconds,
      ),
    ),
  );
  return {
    requestsPerS: results.reduce((sum, r) => sum + r.requestsPerS, 0),
    // The slowest client's p99: what the worst-served share of the load saw.
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

async function benchSetup(name, aggregators, settings, log) {
  const urls = aggregators.map((a) => a.url);
  const ingest = await loadAll(urls, 'ingest', '', settings, 100_000_000);
  log(`  ${name} ingest: ${fmt(ingest.requestsPerS)} reports/s, p99 ${fmt(ingest.p99Ms)} ms, non-2xx ${ingest.non2xx}`);
  const status = await loadAll(urls, 'get', '/api/v1/status', settings, 0);
  log(`  ${name} status: ${fmt(status.requestsPerS)} req/s, p99 ${fmt(status.p99Ms)} ms`);
  const rssMiB = aggregators.map((a) => readMemory(a.pid).peakMiB);
  log(`  ${name} peak RSS: ${rssMiB.map((m) => `${fmt(m)} MiB`).join(', ')}`);
  return { name, replicas: aggregators.length, ingest, status, rssMiB };
}

export async function benchHa(settings = FULL, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-ha-'));
  const cluster = await startPgCluster();
  const rows = [];
  const started = [];
  const start = async (options) => {
    const aggregator = await startAggregator({ probes: settings.probes, ...options });
    started.push(aggregator);
    return aggregator;
  };
  const stopAll = async () => {
    await Promise.all(started.splice(0).map((a) => a.stop()));
  };
  const pgEnv = () => {
    const { url, password } = cluster.createDatabase();
    return {
      PROPWATCH_STORAGE__BACKEND: 'postgres',
      PROPWATCH_STORAGE__URL: url,
      PROPWATCH_STORAGE__PASSWORD: password,
    };
  };
  try {
    rows.push(await benchSetup('SQLite', [await start({ dbPath: join(dir, 'sqlite.db') })], settings, log));
    await stopAll();
    const one = pgEnv();
    rows.push(
      await benchSetup('PostgreSQL, 1 replica', [await start({ dbPath: join(dir, 'x.db'), env: one })], settings, log),
    );
    await stopAll();
    const two = pgEnv();
    const first = await start({ dbPath: join(dir, 'y.db'), env: two });
    const second = await start({ dbPath: join(dir, 'z.db'), env: two });
    rows.push(await benchSetup('PostgreSQL, 2 replicas', [first, second], settings, log));
  } finally {
    await stopAll();
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, settings };
}

export function haTable({ rows, settings }) {
  return [
    `| storage (${settings.connections} connections in all, ${settings.seconds} s per load, ${settings.probes} probes) | ingest reports/s | ingest p99 | \`/status\` req/s | \`/status\` p99 | non-2xx | peak RSS per aggregator |`,
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.ingest.requestsPerS)} | ${fmt(r.ingest.p99Ms, 1)} ms | ${fmt(r.status.requestsPerS)} | ${fmt(r.status.p99Ms, 1)} ms | ${r.ingest.non2xx + r.status.non2xx} | ${r.rssMiB.map((m) => `${fmt(m)} MiB`).join(', ')} |`,
    ),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { tiny: { type: 'boolean', default: false }, write: { type: 'boolean', default: false } },
  });
  const machine = describeMachine();
  const result = await benchHa(values.tiny ? TINY : FULL);
  const table = haTable(result);
  const command = `node bench/ha-load.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const measured = `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.memoryGiB, 1)} GiB RAM, Node ${machine.node}, PostgreSQL from Debian, with \`${command}\`${values.tiny ? ' (tiny smoke settings: not representative)' : ''}.`;
  console.log(`\n${measured}\n\n${table}`);
  if (values.write) {
    const readme = fileURLToPath(new URL('./README.md', import.meta.url));
    const text = readFileSync(readme, 'utf8');
    const [head, rest] = text.split('<!-- ha-results:start -->');
    const tail = rest?.split('<!-- ha-results:end -->')[1];
    if (tail === undefined)
      throw new Error(`${readme} lacks the <!-- ha-results:start --> / <!-- ha-results:end --> markers`);
    writeFileSync(readme, `${head}<!-- ha-results:start -->\n${measured}\n\n${table}\n<!-- ha-results:end -->${tail}`);
    console.log(`written to ${readme}`);
  }
}
