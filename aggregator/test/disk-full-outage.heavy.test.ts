/**
 * A real full disk under the aggregator's database: the database lives on a
 * small tmpfs, and the test fills the rest of it with a file while three
 * probe processes report. The aggregator must say it is not ready, refuse
 * reports with 503 (not 500) and turn /readyz to 503 with the first refused
 * write, the probes must keep their reports spooled, and
 * once the filler is deleted every round must arrive. (chmod cannot stand in
 * for this: it does not stop root, and SQLite keeps the file open anyway; the
 * main suite's storage-outage.test.ts injects the same SqliteError instead.)
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { report } from './helpers.js';
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
import { tryMountTmpfs } from './outage-helpers/tmpfs-mount.js';

const PROBES = 3;
const mount = tryMountTmpfs(24 * 1024);
if ('reason' in mount)
  console.warn(
    `disk-full-outage: skipped, ${mount.reason}; the injected-fault version in storage-outage.test.ts still runs`,
  );
const dir = mkdtempSync(join(tmpdir(), 'propwatch-disk-full-'));
const running: Component[] = [];

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 512]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe.skipIf('reason' in mount)('disk full under the aggregator database (real tmpfs)', () => {
  beforeAll(() => buildAll(), 180_000);
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop('SIGKILL')));
    if (!('reason' in mount)) mount.unmount();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/readyz 503, ingest 503, probes spool, and every round arrives once space is freed', async () => {
    if ('reason' in mount) return;
    const { component: sim, info } = await startSim(
      ['--pops', '14', '--seed', '9', '--time-scale', '0.05', '--log-level', 'warn'],
      { logFile: join(dir, 'sim.log') },
    );
    running.push(sim);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const probes = Array.from({ length: PROBES }, (_, i) => ({
      id: `full-${i + 1}`,
      token: randomBytes(16).toString('hex'),
      dir: join(dir, `full-${i + 1}`),
      ledger: new ProbeLedger(),
    }));
    const dbPath = join(mount.dir, 'aggregator.db');
    const aggregatorFile = writeConfig(join(dir, 'aggregator.yaml'), {
      listen: { host: '127.0.0.1', port },
      storage: { path: dbPath },
      probes: probes.map(({ id, token }) => ({ id, token })),
      ingest: { reportsPerSecond: 1000, burst: 1000 },
    });
    const aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
      logFile: join(dir, 'aggregator.log'),
    });
    running.push(aggregator);
    await waitForHttp(`${url}/readyz`);
    const probeProcesses = probes.map((probe) => {
      mkdirSync(probe.dir, { recursive: true });
      const file = writeConfig(
        join(dir, `${probe.id}.yaml`),
        probeConfig(info, probe, url, { intervalMs: 700, pollIntervalMs: 20, maxWaitMs: 600, progressMs: 150 }),
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
    const finished = () => probes.reduce((sum, p) => sum + p.ledger.finished.size, 0);
    await eventually(
      () => (failIfExited(probeProcesses, dir), probes.every((p) => p.ledger.finished.size >= 2)),
      Boolean,
      30_000,
    );

    const filler = join(mount.dir, 'filler');
    const filled = fillDisk(filler);
    // SQLite may still commit into WAL space it allocated earlier; the first report that needs a new page fails.
    // From that refusal on, /readyz must say so at once (its own one-row write kept answering 200 for 30 s).
    let attempt = 0;
    await eventually(
      () =>
        fetch(`${url}/api/v1/rounds`, {
          method: 'POST',
          headers: { authorization: `Bearer ${probes[0]!.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(
            report(probes[0]!.id, { id: `manual-${++attempt}`, startedAt: new Date().toISOString() }),
          ),
        }).then((r) => r.status),
      (status) => status === 503,
      30_000,
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    // Once it fails, every write fails: nothing more is acknowledged while rounds go on and pile up in the spools.
    await new Promise((resolve) => setTimeout(resolve, 200)); // answers to reports stored just before still landing
    const acksWhileFull = acks();
    const finishedWhileFull = finished();
    await eventually(finished, (n) => n >= finishedWhileFull + 3 * PROBES, 30_000);
    const refused = await fetch(`${url}/api/v1/rounds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${probes[0]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(lastSpooledReport(join(probes[0]!.dir, 'spool'))),
    });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /storage refused the write \(SQLITE_FULL\)/,
    );
    const acksDuringOutage = acks() - acksWhileFull;
    const spooledWhileFull = spooled();
    expect(spooledWhileFull).toBeGreaterThanOrEqual(3 * PROBES);

    unlinkSync(filler);
    await waitForHttp(`${url}/readyz`);
    await eventually(spooled, (n) => n === 0, 30_000, 20);
    const exits = await Promise.all(probeProcesses.map((p) => p.stop('SIGTERM')));
    expect(exits).toEqual(probes.map(() => 'exit 0'));
    expect(await aggregator.stop('SIGTERM')).toBe('exit 0');

    const comparison = compareLedgers(
      new Map(probes.map((p) => [p.id, p.ledger])),
      readDbRounds(dbPath).filter((r) => !r.id.startsWith('manual-')),
    );
    const refusals = probes.flatMap((p) => [...p.ledger.refusals.keys()]);
    console.info(
      `disk full (tmpfs, ${(filled / 1024).toFixed(0)} KiB of filler): ${acksDuringOutage} reports acknowledged while full, ${spooledWhileFull} rounds spooled, probes logged ${JSON.stringify(Object.fromEntries(probes.map((p) => [p.id, Object.fromEntries(p.ledger.refusals)])))}; after freeing space: ${comparison.finishedRounds} rounds finished, ${comparison.storedRounds} stored, lost ${comparison.lostAcks.length + comparison.undelivered.length}`,
    );
    expect(acksDuringOutage).toBe(0);
    // The probe logs the aggregator's reason with the status (sender.ts).
    const storageFull =
      'aggregator answered HTTP 503: storage refused the write (SQLITE_FULL); the report was not stored, retry later; see the aggregator log and /readyz';
    expect(refusals).toContain(storageFull);
    expect(refusals.filter((r) => r !== storageFull)).toEqual([]);
    expect(readFileSync(join(dir, 'aggregator.log'), 'utf8')).toContain('SQLITE_FULL');
    expect(comparison.lostAcks).toEqual([]);
    expect(comparison.undelivered).toEqual([]);
    expect(comparison.unfinished.every((round) => round.state === 'running')).toBe(true);
    expect(comparison.storedRounds).toBe(comparison.finishedRounds + comparison.unfinished.length);
  });
});

/** A genuine report from a probe's spool, to post by hand. */
function lastSpooledReport(spoolDir: string): unknown {
  const file = readdirSync(spoolDir)
    .filter((f) => /^round-.*\.json$/.test(f))
    .sort()
    .at(-1);
  if (!file) throw new Error(`nothing spooled in ${spoolDir}`);
  return JSON.parse(readFileSync(join(spoolDir, file), 'utf8'));
}
