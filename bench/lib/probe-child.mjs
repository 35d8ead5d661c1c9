#!/usr/bin/env node
/**
 * A probe process for the footprint benchmark: `--targets` targets, all on
 * one Knot server (`--target host:port`) under distinct names, polled every
 * `--poll` ms for one round of `--seconds`. The canary is never written
 * anywhere Knot serves (the writer here acks at once without writing), so
 * every target answers NXDOMAIN and is polled for the whole round — the
 * probe's steady state while a slow POP keeps a round open. Prints
 * {"ready":true}, then {"queries","failures","elapsedMs"} at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createProbe, loadProbeConfig } from '@propwatch/probe';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    targets: { type: 'string', default: '300' },
    poll: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
  },
});
const [address, port] = values.target.split(/:(?=\d+$)/);
const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-footprint-'));
const writer = { kind: 'instant', write: async () => ({ ok: true, submitToAckMs: 0, ackAt: performance.now() }) };
const { config } = loadProbeConfig({
  values: {
    probe: { id: 'footprint', region: 'bench' },
    zone: 'propwatch.test',
    writer: { kind: 'cloudflare', cloudflare: { apiToken: 'unused-by-the-instant-writer' } },
    targets: Array.from({ length: Number(values.targets) }, (_, i) => ({
      name: `T${String(i + 1).padStart(3, '0')}`,
      address,
      port: Number(port),
    })),
    round: {
      pollIntervalMs: Number(values.poll),
      maxWaitMs: Number(values.seconds) * 1000,
      intervalMs: Number(values.seconds) * 1000,
      progressMs: 1000,
    },
    stateDir: join(dir, 'state'),
    report: { spoolDir: join(dir, 'spool') },
  },
});
const probe = createProbe(config, { writer });
console.log(JSON.stringify({ ready: true }));
const { report } = await probe.runner.runOnce();
await probe.close();
rmSync(dir, { recursive: true, force: true });
const sum = (key) => report.round.pops.reduce((total, pop) => total + pop[key], 0);
console.log(JSON.stringify({ queries: sum('queries'), failures: sum('failures'), elapsedMs: report.round.elapsedMs }));
