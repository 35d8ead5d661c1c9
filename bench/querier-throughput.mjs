#!/usr/bin/env node
/**
 * Querier throughput: queries/s and CPU per query of propwatch's querier
 * (one Node process, a fixed number of queries in flight) against a local
 * knotd, with dnsperf against the same server in the same run for scale.
 *
 * Usage (after `npx tsc -b probe`):
 *   node bench/querier-throughput.mjs [--seconds 5] [--inflight 256] [--sockets 4] [--target 127.0.0.1:5300]
 * Without --target it starts knotd (Debian package `knot`) on a free loopback
 * port with a one-record zone, and stops it at the end. dnsperf (package
 * `dnsperf`) is run when installed. Nothing here is a test: numbers depend on
 * the machine and on knotd and Node sharing its cores.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Querier } from '../probe/dist/querier/index.js';
import { RRClass, RRType } from '../probe/dist/dns/index.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, inflight: { type: 'string', default: '256' }, sockets: { type: 'string', default: '4' }, target: { type: 'string' } },
});
const seconds = Number(values.seconds);
const inflight = Number(values.inflight);
const NAME = 'p1._propwatch.propwatch.test';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startKnot() {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'propwatch.test.zone'),
    ['$ORIGIN propwatch.test.', '$TTL 5', '@ SOA ns1 hostmaster 1 60 60 600 5', '@ NS ns1', 'ns1 A 127.0.0.1', `${NAME}. TXT "propwatch=1 serial=1 probe=p1"`, ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'knot.conf'),
    [`server:`, `  listen: 127.0.0.1@${port}`, `  nsid: bench-1`, `  rundir: ${dir}`, `database:`, `  storage: ${dir}`, `log:`, `  - target: stderr`, `    any: error`, `zone:`, `  - domain: propwatch.test`, `    file: ${join(dir, 'propwatch.test.zone')}`, ''].join('\n'),
  );
  const child = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  return { target: { address: '127.0.0.1', port }, stop };
}

async function waitReady(querier, target, question) {
  for (let i = 0; i < 50; i++) {
    const result = await querier.query(target, question, { timeoutMs: 200 });
    if (result.kind === 'answer') return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer from ${target.address}#${target.port}; is the server running?`);
}

async function runQuerier(target) {
  const querier = new Querier({ bind: { v4: '127.0.0.1', v6: '::1' }, socketsPerFamily: Number(values.sockets) });
  const question = querier.prepare({ name: NAME, type: RRType.TXT, class: RRClass.IN }, { nsid: true });
  const first = await waitReady(querier, target, question);
  let answers = 0;
  let failures = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const result = await querier.query(target, question, { timeoutMs: 1000 });
      if (result.kind === 'answer') answers++;
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  querier.close();
  return { qps: answers / elapsed, failures, cpuUsPerQuery: (cpu.user + cpu.system) / answers, nsid: first.nsid, stats: querier.stats() };
}

function runDnsperf(target) {
  if (spawnSync('dnsperf', ['-h']).error) return undefined;
  // dnsperf cannot send an empty option; a 1-byte NSID payload makes the
  // server add its NSID just the same, so both sides cost the server alike.
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-dnsperf-'));
  writeFileSync(join(dir, 'queries'), `${NAME} TXT\n`);
  const out = spawnSync('dnsperf', ['-s', target.address, '-p', String(target.port), '-d', join(dir, 'queries'), '-l', String(seconds), '-q', String(inflight), '-e', '-E', '3:00'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const match = /Queries per second:\s+([0-9.]+)/.exec(out.stdout);
  if (!match) throw new Error(`dnsperf printed no figure:\n${out.stdout}${out.stderr}`);
  return Number(match[1]);
}

const server = values.target ? undefined : await startKnot();
const [host, port] = values.target ? values.target.split(/:(?=\d+$)/) : [];
const target = server?.target ?? { address: host, port: Number(port) };
try {
  const ours = await runQuerier(target);
  const reference = runDnsperf(target);
  console.log(`target ${target.address}#${target.port} (NSID ${JSON.stringify(ours.nsid)}), ${seconds} s, ${inflight} in flight, node ${process.version}`);
  console.log(`propwatch querier: ${ours.qps.toFixed(0)} q/s, ${ours.cpuUsPerQuery.toFixed(1)} µs CPU per query, ${ours.failures} failures, dropped ${JSON.stringify(ours.stats.dropped)}`);
  if (reference !== undefined) console.log(`dnsperf:           ${reference.toFixed(0)} q/s  → querier at ${((100 * ours.qps) / reference).toFixed(0)}% of dnsperf`);
  else console.log('dnsperf:           not installed (Debian package dnsperf)');
} finally {
  server?.stop();
}
