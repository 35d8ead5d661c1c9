/**
 * The aggregator killed with SIGKILL again and again while five probe
 * processes report to it, each time restarted on the same port and database.
 * Every process is the built CLI, as in production. Each probe's debug log
 * names every report the aggregator acknowledged; the database must hold all
 * of them, and, once the aggregator stays up, every round the probes finished.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from './stack.js';
import { compareLedgers } from './outage-helpers/compare-ledger.js';
import { readDbRounds } from './outage-helpers/db-rounds.js';
import { ProbeLedger } from './outage-helpers/probe-ledger.js';
import {
  buildAll,
  type Component,
  failIfExited,
  freePort,
  probeConfig,
  startComponent,
  startSim,
  waitForHttp,
  writeConfig,
} from './outage-helpers/processes.js';

const PROBES = 5;
const KILLS = 7;
const dir = mkdtempSync(join(tmpdir(), 'propwatch-agg-crash-'));
const running: Component[] = [];

beforeAll(() => buildAll(), 180_000);
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);

test(`${KILLS} SIGKILLs of the aggregator during sustained ingest from ${PROBES} probe processes: nothing acknowledged is lost, every spooled round arrives`, async () => {
  const { component: sim, info } = await startSim(
    ['--pops', '14', '--seed', '3', '--time-scale', '0.05', '--log-level', 'warn'],
    { logFile: join(dir, 'sim.log') },
  );
  running.push(sim);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const probes = Array.from({ length: PROBES }, (_, i) => ({
    id: `crash-${i + 1}`,
    token: randomBytes(16).toString('hex'),
    dir: join(dir, `crash-${i + 1}`),
    ledger: new ProbeLedger(),
  }));
  const dbPath = join(dir, 'aggregator.db');
  const aggregatorFile = writeConfig(join(dir, 'aggregator.yaml'), {
    listen: { host: '127.0.0.1', port },
    storage: { path: dbPath },
    probes: probes.map(({ id, token }) => ({ id, token })),
    ingest: { reportsPerSecond: 1000, burst: 1000 },
  });
  let aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
    logFile: join(dir, 'aggregator.log'),
  });
  running.push(aggregator);
  await waitForHttp(`${url}/readyz`);

  // Progress every 100 ms (the minimum) from 5 probes keeps ingest busy (each report is an fsynced
  // transaction), so some kills land while a report is being stored or answered.
  const probeProcesses = probes.map((probe) => {
    mkdirSync(probe.dir, { recursive: true });
    const file = writeConfig(
      join(dir, `${probe.id}.yaml`),
      probeConfig(info, probe, url, { intervalMs: 700, pollIntervalMs: 20, maxWaitMs: 600, progressMs: 100 }),
    );
    const component = startComponent(probe.id, 'probe/dist/cli.js', ['--config', file], {
      logFile: join(dir, `${probe.id}.log`),
      onLine: (line) => probe.ledger.add(line),
    });
    running.push(component);
    return component;
  });
  const spooled = () =>
    probes.reduce(
      (sum, p) => sum + readdirSync(join(p.dir, 'spool')).filter((f) => /^round-.*\.json$/.test(f)).length,
      0,
    );
  const acks = () => probes.reduce((sum, p) => sum + p.ledger.acks, 0);
  await eventually(
    () => (failIfExited(probeProcesses, dir), probes.every((p) => p.ledger.finished.size >= 2)),
    Boolean,
    30_000,
  );

  let maxSpooledWhileDown = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    const acksBefore = acks();
    await pause(between(1000, 3000));
    expect(acks(), `ingest went on before kill ${kill}`).toBeGreaterThan(acksBefore);
    aggregator.child.kill('SIGKILL');
    expect(await aggregator.exited).toBe('SIGKILL');
    await pause(between(300, 1500));
    maxSpooledWhileDown = Math.max(maxSpooledWhileDown, spooled());
    aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
      logFile: join(dir, 'aggregator.log'),
    });
    running.push(aggregator);
    await waitForHttp(`${url}/readyz`);
  }

  // The aggregator stays up now: the spools drain (a moment with every spool empty), then everything stops.
  await pause(3000);
  await eventually(spooled, (n) => n === 0, 30_000, 20);
  const exits = await Promise.all(probeProcesses.map((p) => p.stop('SIGTERM')));
  expect(exits).toEqual(probes.map(() => 'exit 0'));
  expect(await aggregator.stop('SIGTERM')).toBe('exit 0');

  const stored = readDbRounds(dbPath);
  const comparison = compareLedgers(new Map(probes.map((p) => [p.id, p.ledger])), stored);
  const leftInSpool = probes.flatMap((p) =>
    readdirSync(join(p.dir, 'spool')).filter((f) => /^round-.*\.json$/.test(f)),
  );
  console.info(
    [
      `aggregator SIGKILLed ${KILLS} times during ingest from ${PROBES} probe processes:`,
      `  reports acknowledged ${comparison.acknowledgedReports} (${comparison.acknowledgedRounds} rounds), all stored; lost: ${comparison.lostAcks.length}`,
      `  rounds finished by the probes ${comparison.finishedRounds}; rounds in the database ${comparison.storedRounds} (${comparison.unfinished.length} cut short by the final SIGTERM, stored as their last progress report)`,
      `  most reports spooled while the aggregator was down: ${maxSpooledWhileDown}; spooled at the end: ${leftInSpool.length}`,
    ].join('\n'),
  );
  expect(probes.every((p) => p.ledger.junk.length === 0)).toBe(true);
  expect(comparison.lostAcks).toEqual([]);
  expect(comparison.undelivered).toEqual([]);
  expect(comparison.unfinished.every((round) => round.state === 'running')).toBe(true);
  expect(comparison.unfinished.length).toBeLessThanOrEqual(PROBES);
  expect(comparison.storedRounds).toBe(comparison.finishedRounds + comparison.unfinished.length);
  expect(maxSpooledWhileDown).toBeGreaterThan(0);
  // Left in a spool: at most the progress report of each probe's interrupted round.
  expect(leftInSpool.length).toBeLessThanOrEqual(PROBES);
  // Nothing torn: every complete round has all 14 POPs with consistent intervals.
  for (const round of stored) {
    if (round.state === 'complete') expect(round.pops, round.id).toBe(14);
    expect(round.badPops, round.id).toBe(0);
  }
  expect(comparison.finishedRounds).toBeGreaterThan(PROBES * 10);
});
