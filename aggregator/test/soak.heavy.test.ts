/**
 * Bounded soak: the simulated 14-POP network, the aggregator and 20 probes,
 * each its own process, for several minutes while faults (stuck, slow, flaky,
 * down) toggle on random POPs every few seconds and the status cycles between
 * ok and alarm (with a webhook receiver taking every change). Memory (RSS and
 * heapUsed after a full GC) and open file descriptors of every process are
 * sampled after a warm-up and at the end; they must stay flat.
 * PROPWATCH_SOAK_SECONDS sets the measured duration (default 180).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readDbRounds } from './outage-helpers/db-rounds.js';
import {
  buildAll,
  type Component,
  freePort,
  probeConfig,
  ROOT,
  startComponent,
  startSim,
  waitForHttp,
  writeConfig,
} from './outage-helpers/processes.js';
import { type ProcessSample, SAMPLER_ARGS, sampleProcess } from './outage-helpers/sample-process.js';
import { startFaultToggler } from './outage-helpers/fault-toggler.js';
import { prewarmAggregator } from './outage-helpers/prewarm.js';
import { formatSoakTable, soakVerdicts } from './outage-helpers/soak-figures.js';

const PROBES = 20;
const WARM_UP_MS = 45_000;
/** Reports posted to the aggregator before the probes start; its RSS is flat after ~40,000 (prewarm.ts). */
const WARM_REPORTS = 50_000;
const WARM_PROBES = 50;
const SOAK_MS = Number(process.env.PROPWATCH_SOAK_SECONDS ?? 180) * 1000;
const dir = mkdtempSync(join(tmpdir(), 'propwatch-soak-'));
const running: Component[] = [];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => buildAll(), 180_000);
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

test(
  `soak: ${PROBES} probe processes, 14 POPs, toggling faults, ${SOAK_MS / 1000} s: memory and file descriptors flat in every process`,
  { timeout: WARM_UP_MS + SOAK_MS + 180_000 },
  async () => {
    // 20 probes commit ~10 zone versions a second; a history of 300 versions is full well within the warm-up, so
    // the sim is measured in its steady state (the default, 5000, takes ~8 min to fill at this rate).
    const { component: sim, info } = await startSim(
      ['--pops', '14', '--seed', '13', '--time-scale', '0.05', '--log-level', 'warn'],
      { logFile: join(dir, 'sim.log'), nodeArgs: SAMPLER_ARGS, env: { PROPWATCH_HISTORY_VERSIONS: '300' } },
    );
    running.push(sim);
    let webhooks = 0;
    const receiver = createServer((request, response) => {
      request.resume().on('end', () => {
        webhooks += 1;
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookAddress = receiver.address();
    const hookUrl = `http://127.0.0.1:${typeof hookAddress === 'object' && hookAddress ? hookAddress.port : 0}/hook`;

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const probes = Array.from({ length: PROBES }, (_, i) => ({
      id: `soak-${String(i + 1).padStart(2, '0')}`,
      token: randomBytes(16).toString('hex'),
      dir: join(dir, `soak-${i + 1}`),
    }));
    const warmProbes = Array.from({ length: WARM_PROBES }, (_, i) => ({
      id: `warm-${String(i + 1).padStart(2, '0')}`,
      token: randomBytes(16).toString('hex'),
    }));
    const dbPath = join(dir, 'aggregator.db');
    const aggregatorFile = writeConfig(join(dir, 'aggregator.yaml'), {
      listen: { host: '127.0.0.1', port },
      storage: { path: dbPath },
      probes: [...probes, ...warmProbes].map(({ id, token }) => ({ id, token })),
      logLevel: 'warn',
      ingest: { reportsPerSecond: 100, burst: 100 },
      analysis: { windowMs: 20_000 },
      // A stuck, down or slowed POP (≥ 1 s at this time scale) raises the alarm; healthy POPs take < 0.5 s.
      status: { alarmAboveMs: 900, clearBelowMs: 700, quorum: 2, minFreshProbes: 2, staleAfterMs: 10_000 },
      webhooks: { urls: [hookUrl], retryBaseMs: 200, maxAttempts: 3 },
    });
    const aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
      logFile: join(dir, 'aggregator.log'),
      nodeArgs: SAMPLER_ARGS,
    });
    running.push(aggregator);
    await waitForHttp(`${url}/readyz`);
    // Before the probes start: fill the aggregator's caches so the soak measures its steady state (see prewarm.ts).
    const warm = await prewarmAggregator({ url, probes: warmProbes, reports: WARM_REPORTS });
    expect(warm.failed).toBe(0);
    const probeProcesses = probes.map((probe) => {
      mkdirSync(probe.dir, { recursive: true });
      const config = {
        ...probeConfig(info, probe, url, { intervalMs: 2000, pollIntervalMs: 50, maxWaitMs: 1500, progressMs: 250 }),
        logLevel: 'warn',
      };
      const component = startComponent(
        probe.id,
        'probe/dist/cli.js',
        ['--config', writeConfig(join(dir, `${probe.id}.yaml`), config)],
        { logFile: join(dir, `${probe.id}.log`), nodeArgs: SAMPLER_ARGS },
      );
      running.push(component);
      return component;
    });
    const everyone = [sim, aggregator, ...probeProcesses];

    // The status, as the beacon would see it: count the states and the changes.
    const states = new Map<string, number>();
    let changes = 0;
    let lastState = '';
    const poller = setInterval(() => {
      void fetch(`${url}/api/v1/status`)
        .then((r) => r.json() as Promise<{ state: string }>)
        .then(
          ({ state }) => {
            states.set(state, (states.get(state) ?? 0) + 1);
            if (lastState && state !== lastState) changes += 1;
            lastState = state;
          },
          () => undefined,
        );
    }, 500);
    const faults = startFaultToggler({
      adminUrl: info.adminUrl,
      adminToken: info.adminToken,
      pops: info.pops.map((p) => p.name),
      everyMs: 3000,
      maxFaulted: 3,
      cycleTicks: 8,
      calmTicks: 3,
    });

    try {
      await pause(WARM_UP_MS);
      const sampleAll = () => Promise.all(everyone.map((c) => sampleProcess(c)));
      const start = await sampleAll();
      const samples: ProcessSample[][] = [start];
      const until = Date.now() + SOAK_MS;
      while (Date.now() < until) {
        await pause(Math.min(30_000, until - Date.now()));
        samples.push(await sampleAll());
      }
      const end = samples.at(-1)!;
      expect(
        everyone.filter((c) => c.child.exitCode !== null || c.child.signalCode !== null).map((c) => c.name),
      ).toEqual([]);

      const names = everyone.map((c) => c.name);
      const table = formatSoakTable(names, samples);
      const summary = `soak ${SOAK_MS / 1000} s after ${WARM_REPORTS} warm-up reports and ${WARM_UP_MS / 1000} s warm-up; ${faults.toggles()} fault toggles (${JSON.stringify(faults.byKind())}); status samples ${JSON.stringify(Object.fromEntries(states))}, ${changes} state changes; ${webhooks} webhooks received`;
      console.info(`${summary}\n${table}`);
      mkdirSync(join(ROOT, 'test-output'), { recursive: true });
      writeFileSync(join(ROOT, 'test-output', 'soak-figures.md'), `${summary}\n\n${table}\n`);

      expect(soakVerdicts(names, samples)).toEqual([]);
      expect(states.get('ok') ?? 0).toBeGreaterThan(0);
      expect(states.get('alarm') ?? 0).toBeGreaterThan(0);
      expect(changes).toBeGreaterThanOrEqual(Math.floor(SOAK_MS / 24_000));
      expect(webhooks).toBeGreaterThanOrEqual(4);
      expect(start.every((s, i) => s.fds > 0 && end[i]!.heapUsed > 0)).toBe(true);
    } finally {
      clearInterval(poller);
      await faults.stop();
      receiver.close();
    }
    const exits = await Promise.all(probeProcesses.map((p) => p.stop('SIGTERM')));
    expect(exits).toEqual(probes.map(() => 'exit 0'));
    expect(await aggregator.stop('SIGTERM')).toBe('exit 0');
    expect(await sim.stop('SIGTERM')).toBe('exit 0');
    const stored = readDbRounds(dbPath).filter((round) => round.probe.startsWith('soak-'));
    // Each probe ran a round every 2 s for the whole soak.
    expect(stored.length).toBeGreaterThan(PROBES * ((WARM_UP_MS + SOAK_MS) / 2000) * 0.8);
  },
);
