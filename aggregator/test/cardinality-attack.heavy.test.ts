/**
 * The cardinality attack of issue 12 (item 3) against the real aggregator
 * process: one authenticated probe sends 50 reports of 2,000 invented POP
 * names (it took the aggregator from 97 to 859 MiB RSS, /metrics to 70 MB and
 * /api/v1/pops to 12 MB), then fills its own cap with invented names and
 * keeps inventing. Memory after a full GC (RSS once V8 returned the freed
 * pages, and heapUsed), the size of /metrics and of /api/v1/pops are taken
 * after an honest warm-up and after the attack: they stay within what the cap
 * allows (limits.popsPerProbe names for one probe), not with what is sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import { pop, report } from './helpers.js';
import {
  buildAll,
  type Component,
  freePort,
  startComponent,
  waitForHttp,
  writeConfig,
} from './outage-helpers/processes.js';
import { type ProcessSample, SAMPLER_ARGS, sampleProcess } from './outage-helpers/sample-process.js';

const MiB = 1024 * 1024;
const CAP = 200;
const POPS = ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG', 'SIN', 'NRT', 'SYD'];
const dir = mkdtempSync(join(tmpdir(), 'propwatch-cardinality-'));
const running: Component[] = [];

beforeAll(() => buildAll(), 180_000);
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

test('50 reports of 2,000 invented POPs and a probe at its cap: RSS, heap, /metrics and /api/v1/pops stay bounded', async () => {
  const probes = ['honest-1', 'honest-2', 'attacker'].map((id) => ({ id, token: randomBytes(16).toString('hex') }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = writeConfig(join(dir, 'aggregator.yaml'), {
    listen: { host: '127.0.0.1', port },
    storage: { path: join(dir, 'aggregator.db'), synchronous: 'normal' },
    probes,
    ingest: { reportsPerSecond: 100_000, burst: 100_000 },
    logLevel: 'warn',
  });
  const aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', config], {
    logFile: join(dir, 'aggregator.log'),
    nodeArgs: SAMPLER_ARGS,
  });
  running.push(aggregator);
  await waitForHttp(`${url}/readyz`);

  let sequence = 0;
  const post = async (probe: { id: string; token: string }, pops: PopResult[]) => {
    const id = `r${++sequence}`;
    const body = report(probe.id, { id, serial: String(1_000 + sequence), startedAt: new Date().toISOString(), pops });
    const response = await fetch(`${url}/api/v1/rounds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const sizes = async () => ({
    metrics: (await (await fetch(`${url}/metrics`)).text()).length,
    pops: (await (await fetch(`${url}/api/v1/pops`)).text()).length,
  });
  const honest = () => POPS.map((name) => pop(name));

  // Warm-up: the honest probes' steady traffic, and the attacker behaving, so the baseline holds every code
  // path and cache the attack will touch.
  for (let i = 0; i < 300; i++) expect(await post(probes[i % 3]!, honest())).toBe(200);
  const before: ProcessSample = await sampleProcess(aggregator);
  const sizesBefore = await sizes();

  // The attack of the issue: 50 reports of 2,000 invented names each; every one refused whole.
  const refusals: number[] = [];
  for (let i = 0; i < 50; i++) {
    const pops = Array.from({ length: 2_000 }, (_, n) => pop(`X${i}-${n}`));
    refusals.push(await post(probes[2]!, pops));
  }
  expect(new Set(refusals)).toEqual(new Set([400]));
  // Then the most a probe can do: fill its cap with invented names, and keep trying new ones.
  const room = CAP - POPS.length;
  expect(
    await post(
      probes[2]!,
      Array.from({ length: room }, (_, n) => pop(`F${n}`)),
    ),
  ).toBe(200);
  for (let i = 0; i < 200; i++) expect(await post(probes[2]!, [pop(`G${i}`)])).toBe(400);
  for (let i = 0; i < 100; i++) expect(await post(probes[i % 2]!, honest())).toBe(200);

  const after: ProcessSample = await sampleProcess(aggregator);
  const sizesAfter = await sizes();
  const status = await fetch(`${url}/api/v1/status`);
  expect(status.status).toBe(200);
  console.info(
    `cardinality attack: RSS ${(before.rss / MiB).toFixed(1)} → ${(after.rss / MiB).toFixed(1)} MiB, heapUsed ${(before.heapUsed / MiB).toFixed(1)} → ${(after.heapUsed / MiB).toFixed(1)} MiB, /metrics ${sizesBefore.metrics} → ${sizesAfter.metrics} bytes, /api/v1/pops ${sizesBefore.pops} → ${sizesAfter.pops} bytes`,
  );
  // What the cap allows: 186 new (probe, POP) series for one probe. Each is a few Prometheus series (at most
  // a 17-line histogram and two counters, ~120 bytes a line) and an entry in /api/v1/pops (~400 bytes).
  expect(sizesAfter.metrics - sizesBefore.metrics).toBeLessThan(room * 20 * 120);
  expect(sizesAfter.pops - sizesBefore.pops).toBeLessThan(room * 400);
  // Memory: a few MiB for those series and the refused bodies' garbage V8 keeps as free heap, against the
  // ~760 MiB the same attack added before (SQLite's page cache, up to 16 MiB, is warm from the warm-up).
  expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * MiB);
  expect(after.rss - before.rss).toBeLessThan(48 * MiB);
  expect(await aggregator.stop('SIGTERM')).toBe('exit 0');
});
