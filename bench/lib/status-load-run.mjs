#!/usr/bin/env node
/**
 * One run of the footprint benchmark's load step, for profiling /api/v1/status under ingest: the real CLI on a
 * copy of --db (seeded by seed-store.mjs), --probes probes offering --ingest-rate reports/s with autocannon's
 * status requests as in footprint.mjs, and status-sampler.mjs timing /api/v1/status at --sample-rate from a
 * third process. Node options for the aggregator (e.g. --cpu-prof) go after `--`. The aggregator runs with
 * loop-monitor.mjs preloaded: its event-loop delay and GC time over the whole run.
 * Prints one JSON line: {scale, sampler, aggregator}.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from '../aggregator-load.mjs';
import { startAggregator } from './aggregator-process.mjs';
import { startNodeChild, stopChild } from './proc.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    probes: { type: 'string', default: '1000' },
    'ingest-rate': { type: 'string', default: '300' },
    'status-rate': { type: 'string', default: '100' },
    'sample-rate': { type: 'string', default: '50' },
    seconds: { type: 'string', default: '15' },
    cwd: { type: 'string' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'propwatch-status-load-'));
const dbPath = join(dir, 'aggregator.db');
copyFileSync(values.db, dbPath);
const seconds = Number(values.seconds);
const monitorFile = join(dir, 'loop-monitor.json');
const aggregator = await startAggregator({
  dbPath,
  probes: Number(values.probes),
  nodeArgs: ['--import', fileURLToPath(new URL('./loop-monitor.mjs', import.meta.url)), ...positionals],
  env: { LOOP_MONITOR_FILE: monitorFile },
});
let result;
try {
  const sampler = await startNodeChild(fileURLToPath(new URL('./status-sampler.mjs', import.meta.url)), [
    '--url',
    `${aggregator.url}/api/v1/status`,
    '--rate',
    values['sample-rate'],
    '--seconds',
    String(seconds),
  ]);
  // The sampler is warmed up and ready: the aggregator's counters start now (loop-monitor.mjs).
  process.kill(aggregator.pid, 'SIGUSR2');
  const [scale, sampled] = await Promise.all([
    runLoad(
      [
        '--mode',
        'scale',
        '--url',
        aggregator.url,
        '--probes',
        values.probes,
        '--ingest-rate',
        values['ingest-rate'],
        '--status-rate',
        values['status-rate'],
        '--seconds',
        String(seconds),
      ],
      seconds,
    ),
    sampler.next(seconds * 1000 + 60_000),
  ]);
  await stopChild(sampler.child);
  result = { scale, sampler: sampled };
} finally {
  await aggregator.stop();
}
try {
  console.log(JSON.stringify({ ...result, aggregator: JSON.parse(readFileSync(monitorFile, 'utf8')) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
