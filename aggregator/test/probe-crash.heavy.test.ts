/**
 * A probe process killed with SIGKILL in the middle of a round, then
 * restarted on the same state and spool directories, again and again. The
 * right outcome for the interrupted round: it stays in the aggregator as its
 * last progress report (`running`). The restarted probe does not resume it
 * (its measurements died with the process), and completing it would call
 * POPs timeouts they never were. Nothing may be duplicated or torn, and the
 * serials keep increasing across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

const KILLS = 6;
/** With a stuck POP every round lasts exactly maxWaitMs after the write ack; a kill within the first half is mid-round. */
const ROUND = { intervalMs: 1500, pollIntervalMs: 25, maxWaitMs: 1200, progressMs: 150 };
const dir = mkdtempSync(join(tmpdir(), 'propwatch-probe-crash-'));
const running: Component[] = [];

beforeAll(() => buildAll(), 180_000);
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

test(`a probe SIGKILLed mid-round ${KILLS} times: no duplicate or torn round, the interrupted round stays as its last progress report, serials keep increasing`, async () => {
  const { component: sim, info } = await startSim(
    ['--pops', '14', '--seed', '5', '--time-scale', '0.05', '--fault', 'SYD=stuck', '--log-level', 'warn'],
    { logFile: join(dir, 'sim.log') },
  );
  running.push(sim);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const probe = { id: 'victim', token: randomBytes(16).toString('hex'), dir: join(dir, 'victim') };
  mkdirSync(probe.dir, { recursive: true });
  const dbPath = join(dir, 'aggregator.db');
  const aggregatorFile = writeConfig(join(dir, 'aggregator.yaml'), {
    listen: { host: '127.0.0.1', port },
    storage: { path: dbPath },
    probes: [{ id: probe.id, token: probe.token }],
  });
  const aggregator = startComponent('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
    logFile: join(dir, 'aggregator.log'),
  });
  running.push(aggregator);
  await waitForHttp(`${url}/readyz`);

  const ledger = new ProbeLedger();
  const probeFile = writeConfig(join(dir, 'victim.yaml'), probeConfig(info, probe, url, ROUND));
  const startProbe = () => {
    const component = startComponent(probe.id, 'probe/dist/cli.js', ['--config', probeFile], {
      logFile: join(dir, 'victim.log'),
      onLine: (line) => ledger.add(line),
    });
    running.push(component);
    return component;
  };
  let victim = startProbe();
  await eventually(
    () => (failIfExited([victim, aggregator], dir), ledger.finished.size),
    (n) => n >= 1,
    20_000,
  );

  const interrupted: string[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    // The first acknowledgement of a round is its first progress report, ~progressMs after the write ack.
    const roundId = await new Promise<string>((resolve) => (ledger.onFirstAck = resolve));
    ledger.onFirstAck = undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    interrupted.push(roundId);
    victim = startProbe();
  }
  // Two more whole rounds after the last restart, then a moment with an empty spool, then a clean stop.
  const finishedBefore = ledger.finished.size;
  await eventually(
    () => ledger.finished.size,
    (n) => n >= finishedBefore + 2,
    20_000,
  );
  await eventually(
    () => readdirSync(join(probe.dir, 'spool')).filter((f) => /^round-.*\.json$/.test(f)).length,
    (n) => n === 0,
    20_000,
    10,
  );
  expect(await victim.stop('SIGTERM')).toBe('exit 0');
  expect(await aggregator.stop('SIGTERM')).toBe('exit 0');

  const stored = readDbRounds(dbPath);
  const comparison = compareLedgers(new Map([[probe.id, ledger]]), stored);
  console.info(
    `probe SIGKILLed ${KILLS} times mid-round: ${stored.length} rounds stored, ${comparison.finishedRounds} finished, ${comparison.unfinished.length} stored as their last progress report (${interrupted.length} interrupted by SIGKILL, the rest by the final SIGTERM)`,
  );
  expect(comparison.lostAcks).toEqual([]);
  expect(comparison.undelivered).toEqual([]);
  for (const id of interrupted) {
    const round = stored.find((r) => r.id === id);
    expect(round, id).toBeDefined();
    expect(round!.state).toBe('running');
    expect(round!.elapsedMs).toBeLessThan(ROUND.maxWaitMs);
    expect(round!.pops).toBe(14);
  }
  // Unfinished rounds: the ones killed, plus at most the one cut short by the final SIGTERM.
  const unfinished = comparison.unfinished.map((r) => r.id);
  expect(unfinished.filter((id) => !interrupted.includes(id)).length).toBeLessThanOrEqual(1);
  // No duplicate and increasing: in start order, serials strictly increase; round ids are unique.
  const serials = stored.map((r) => r.serial);
  for (let i = 1; i < serials.length; i++)
    expect(serials[i]! > serials[i - 1]!, `${stored[i - 1]!.id} then ${stored[i]!.id}`).toBe(true);
  expect(new Set(stored.map((r) => r.id)).size).toBe(stored.length);
  for (const round of stored) {
    expect(round.badPops, round.id).toBe(0);
    if (round.state === 'complete') expect(round.pops, round.id).toBe(14);
  }
  // Nothing in the spool was torn or refused.
  const spoolFiles = readdirSync(join(probe.dir, 'spool'));
  expect(spoolFiles.filter((f) => f.endsWith('.corrupt'))).toEqual([]);
  expect(existsSync(join(probe.dir, 'spool', 'rejected'))).toBe(false);
  expect(ledger.junk).toEqual([]);
});
