/**
 * Benchmark 3 — querier throughput against one Knot DNS server (started here
 * on a loopback port): propwatch's Querier in one Node process (as
 * configured by default, with its source-port rotation off, and with every
 * query under one AbortSignal as a round's are), dnsperf, and
 * dns2's stock UDPClient, one after another for the same number of seconds
 * with the same number of queries in flight. Each client is its own process;
 * knotd shares the machine's 2 cores with it, as a probe would share a host.
 */
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KNOT_CANARY, startKnot } from './lib/knot.mjs';
import { readCpuSeconds, runCommand, startNodeChild, stopChild } from './lib/proc.mjs';
import { fmt } from './lib/stats.mjs';

export const FULL = { seconds: 10, inflight: 256 };
export const TINY = { seconds: 1, inflight: 16 };

const CLIENT = fileURLToPath(new URL('./lib/dns-load-client.mjs', import.meta.url));

async function runNodeClient(mode, knot, settings, extraArgs = []) {
  const { child, next } = await startNodeChild(CLIENT, [
    '--mode',
    mode,
    '--target',
    `${knot.address}:${knot.port}`,
    '--name',
    KNOT_CANARY,
    '--seconds',
    String(settings.seconds),
    '--inflight',
    String(settings.inflight),
    ...extraArgs,
  ]);
  try {
    return await next(settings.seconds * 1000 + 30_000);
  } finally {
    await stopChild(child);
  }
}

async function runDnsperf(knot, settings) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-dnsperf-'));
  writeFileSync(join(dir, 'queries'), `${KNOT_CANARY} TXT\n`);
  const cpuBefore = readCpuSeconds().children;
  // -e -E 3:00 sends an NSID option (code 3, one zero byte) so Knot adds its
  // NSID just as it does for the querier; -D would set DO, which we do not.
  const { stdout, stderr } = await runCommand(
    'dnsperf',
    [
      '-s',
      knot.address,
      '-p',
      String(knot.port),
      '-d',
      join(dir, 'queries'),
      '-l',
      String(settings.seconds),
      '-q',
      String(settings.inflight),
      '-e',
      '-E',
      '3:00',
    ],
    { timeoutMs: settings.seconds * 1000 + 30_000 },
  );
  const cpuSeconds = readCpuSeconds().children - cpuBefore;
  rmSync(dir, { recursive: true, force: true });
  const qps = Number(/Queries per second:\s+([0-9.]+)/.exec(stdout)?.[1]);
  const answers = Number(/Queries completed:\s+(\d+)/.exec(stdout)?.[1]);
  if (!Number.isFinite(qps)) throw new Error(`dnsperf printed no figure:\n${stdout}${stderr}`);
  return { mode: 'dnsperf', qps, answers, cpuUsPerQuery: (cpuSeconds * 1e6) / Math.max(1, answers) };
}

export async function benchQuerierThroughput(settings = FULL, log = console.log) {
  const knot = await startKnot();
  const rows = [];
  try {
    const measure = async (label, run) => {
      const knotCpuBefore = readCpuSeconds(knot.pid).self;
      const row = { label, ...(await run()) };
      row.knotCpuUsPerQuery = ((readCpuSeconds(knot.pid).self - knotCpuBefore) * 1e6) / Math.max(1, row.answers);
      rows.push(row);
      log(
        `  ${label}: ${fmt(row.qps)} q/s, ${fmt(row.cpuUsPerQuery, 1)} µs CPU/query client, ${fmt(row.knotCpuUsPerQuery, 1)} µs knotd${row.failures ? `, ${row.failures} failures` : ''}`,
      );
    };
    await measure('propwatch Querier (1 Node process)', () => runNodeClient('querier', knot, settings));
    // The price of RFC 5452 source-port rotation (on by default), measured in the same run.
    await measure('propwatch Querier, port rotation off', () =>
      runNodeClient('querier', knot, settings, ['--no-port-rotation']),
    );
    // As the probe queries: every query of a round under the round's deadline signal (one listener per signal).
    await measure('propwatch Querier, queries under an AbortSignal', () =>
      runNodeClient('querier', knot, settings, ['--signal']),
    );
    await measure('dnsperf', () => runDnsperf(knot, settings));
    await measure('dns2 UDPClient (1 Node process)', () => runNodeClient('dns2', knot, settings));
  } finally {
    await knot.stop();
  }
  const reference = rows.find((r) => r.label === 'dnsperf').qps;
  for (const row of rows) row.ofDnsperf = row.qps / reference;
  return { rows, settings };
}

export function querierTable({ rows, settings }) {
  const lines = [
    `| client (${settings.inflight} in flight, ${settings.seconds} s each) | answers/s | % of dnsperf | client CPU µs/query | knotd CPU µs/query |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const target = row.label.startsWith('propwatch')
      ? row.ofDnsperf >= 0.25
        ? ' (target ≥ 25%: met)'
        : ' **(target ≥ 25%: missed)**'
      : '';
    lines.push(
      `| ${row.label} | ${fmt(row.qps)} | ${fmt(row.ofDnsperf * 100, 1)}%${target} | ${fmt(row.cpuUsPerQuery, 1)} | ${fmt(row.knotCpuUsPerQuery, 1)} |`,
    );
  }
  return lines.join('\n');
}
