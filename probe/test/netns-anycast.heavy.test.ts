/**
 * Anycast through the real kernel (issue 15 item 2): the same address,
 * 10.53.0.1, is served by two real Knot instances in two network namespaces
 * (NSIDs lhr1.anycast.test and fra1.anycast.test, secondaries of a primary
 * that takes the probe's RFC 2136 updates), and the probe CLI runs in a third
 * namespace that reaches one of them by its route. Mid-round the test moves
 * the route (`ip route replace 10.53.0.1/32 via …`) to the other instance,
 * and only later lets that instance transfer the new serial. The probe must
 * report both instances by NSID and never mix them: LHR `rerouted` (it never
 * served the serial), FRA `propagated` with bounds that hold the moment it
 * began serving. A second anycast address with no route at all is
 * `unreachable` (the kernel refuses the send), not a slow POP.
 *
 * Root only: skipped with the reason printed when not root or without
 * `ip netns`, except in CI, where it must run. Bounded (the round waits 5 s,
 * the probe is killed after 30 s) and cleaned up on exit, also on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReportProblems } from '../src/report/check-report.js';
import {
  ANYCAST,
  type AnycastNet,
  createAnycastNet,
  netnsUnavailable,
  POP_LINK,
  PRIMARY,
  PROBE_SOURCE,
  removeOnExit,
} from './netns/netns.js';
import { type KnotInNetns, startKnotInNetns } from './netns/knot-in-netns.js';
import { buildAll, ROOT } from './secrets-processes.js';
import { knotUnavailable } from './testbed/tools.js';
import { randomSecret } from './testbed/test-values.js';

const ZONE = 'anycast.test';
const KEY = { name: 'probe-key', algorithm: 'hmac-sha256', secret: randomSecret(32), canUpdate: true } as const;
/** Reroute and refresh instants after the primary applied the update, and the slack allowed between that
 * instant (seen in the primary's log) and the probe's ack (both within a few ms of each other). */
const REROUTE_AT_MS = 1000;
const REFRESH_AT_MS = 2000;
const SLACK_MS = 250;

const unavailable = netnsUnavailable() ?? knotUnavailable();
if (unavailable && !process.env.CI) console.warn(`skipping the kernel anycast test: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !process.env.CI)('probe measuring anycast through kernel routes', () => {
  let net: AnycastNet | undefined;
  const servers: KnotInNetns[] = [];
  let dir: string;

  beforeAll(async () => {
    if (unavailable) throw new Error(`the kernel anycast test is required in CI: ${unavailable}`);
    buildAll();
    dir = mkdtempSync(join(tmpdir(), 'propwatch-netns-anycast-'));
    removeOnExit(dir);
    net = createAnycastNet();
    const { probe, pops } = net;
    const askFrom = (address: string) => {
      try {
        return net!.exec(probe, ['kdig', '+norec', '+time=1', '+retry=0', `@${address}`, ZONE, 'SOA'], 5000);
      } catch (error) {
        return String(error);
      }
    };
    servers.push(
      await startKnotInNetns(
        {
          namespace: probe,
          zone: ZONE,
          nsid: 'primary.anycast.test',
          listen: [PRIMARY],
          role: { kind: 'primary', key: KEY, updateFrom: '10.53.9.0/24' },
        },
        askFrom,
      ),
    );
    for (const pop of ['lhr', 'fra'] as const)
      servers.push(
        await startKnotInNetns(
          {
            namespace: pops[pop],
            zone: ZONE,
            nsid: `${pop}1.anycast.test`,
            listen: [POP_LINK[pop], ANYCAST],
            role: { kind: 'secondary', primary: PRIMARY },
          },
          askFrom,
        ),
      );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    net?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Steps run at fixed times after the primary applied the probe's update, each timed as run. */
  interface Step {
    atMs: number;
    act: () => void;
  }
  interface ProbeRound {
    code: number | string;
    stdout: string;
    report: RoundReport;
    /** When each step ran, ms after the update was applied: [started, finished]. */
    ran: Array<{ from: number; to: number }>;
  }

  /** Runs one probe round (the CLI, --once) in the probe namespace, with `steps` during it; returns its report. */
  async function probeRound(probeId: string, steps: Step[]): Promise<ProbeRound> {
    const primary = servers[0]!;
    const spoolDir = join(dir, `spool-${probeId}`);
    const config = join(dir, `${probeId}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        probe: { id: probeId, region: 'netns' },
        zone: ZONE,
        ttl: 5,
        writer: {
          kind: 'rfc2136',
          rfc2136: {
            server: PRIMARY,
            port: 53,
            transport: 'udp',
            timeoutMs: 2000,
            retries: 1,
            tsig: { name: KEY.name, algorithm: KEY.algorithm, secret: KEY.secret },
          },
        },
        targets: [
          { name: 'ns1', address: ANYCAST, kind: 'anycast' },
          // No route to it in the probe namespace: the kernel refuses every send (ENETUNREACH).
          { name: 'ns2', address: '10.53.0.2', kind: 'anycast' },
        ],
        popFromNsid: { pattern: '^(?<pop>[a-z]{3})[0-9]*\\.' },
        query: { sourceAddress: PROBE_SOURCE, timeoutMs: 500 },
        round: { pollIntervalMs: 20, maxWaitMs: 5000, progressMs: 1000 },
        // Nothing listens there: the final report stays in the spool, where the test reads it.
        report: { url: `http://${PROBE_SOURCE}:9`, token: 'netns-test-token', spoolDir, timeoutMs: 200 },
        stateDir: join(dir, 'state'),
        logLevel: 'warn',
      }),
    );
    const logBefore = primary.log().length;
    const run = runInNamespace(net!.probe, [
      process.execPath,
      `${ROOT}probe/dist/cli.js`,
      '--once',
      '--config',
      config,
    ]);

    // The primary applied the update (the probe's ack follows within milliseconds): the round's time zero.
    const appliedAt = await until(
      () => (/DDNS, finished, serial/.test(primary.log().slice(logBefore)) ? performance.now() : undefined),
      () => run.child.exitCode !== null || run.child.signalCode !== null,
      () => `the primary logged no applied update:\n${primary.log()}\nprobe:\n${run.stdout}${run.stderr}`,
    );
    const ran: ProbeRound['ran'] = [];
    for (const step of steps) {
      await sleepUntil(appliedAt + step.atMs);
      const from = performance.now() - appliedAt;
      step.act();
      ran.push({ from, to: performance.now() - appliedAt });
    }
    const code = await run.exited;
    const shown = ran.map((r) => `[${r.from.toFixed(1)}, ${r.to.toFixed(1)}]`).join(' ');
    console.info(`${probeId}: steps ran at ${shown} ms after the update\n${run.stdout}`);
    expect(run.stderr).not.toMatch(/"level":(50|60)/);
    return { code, stdout: run.stdout, report: finalReport(spoolDir), ran };
  }

  /** The canary TXT as an instance serves it now, asked at its own (unicast) address. */
  const servedBy = (pop: 'lhr' | 'fra', record: string) =>
    net!.exec(net!.probe, ['kdig', '+short', '+norec', '+time=1', '+retry=0', `@${POP_LINK[pop]}`, record, 'TXT']);

  it('reports the instance the route left as rerouted and the one it moved to with its own bounds, by NSID', async () => {
    const [, lhr, fra] = servers as [KnotInNetns, KnotInNetns, KnotInNetns];
    net!.routeAnycastVia('lhr');
    const { code, stdout, report, ran } = await probeRound('netns1', [
      { atMs: REROUTE_AT_MS, act: () => net!.routeAnycastVia('fra') },
      { atMs: REFRESH_AT_MS, act: () => fra.refresh() },
    ]);
    const [reroute, refresh] = ran as [ProbeRound['ran'][number], ProbeRound['ran'][number]];
    // 2: a target was unreachable (ns2); the rerouted LHR alone would not fail the run.
    expect(code).toBe(2);
    expect(findReportProblems(report)).toEqual([]);
    expect(report.round.state).toBe('complete');
    expect(report.round.pops.map((p) => p.pop).sort()).toEqual(['FRA', 'LHR', 'ns2']);

    // LHR never served the serial: left by the route, censored at its last miss, which was sent before the move.
    const lhrResult = result(report, 'LHR');
    expect(lhrResult).toMatchObject({ via: 'ns1', targetKind: 'anycast', state: 'rerouted', nsid: lhr.nsid });
    expect(lhrResult.failures).toBe(0);
    expect(lhrResult.upperMs).toBeUndefined();
    expect(lhrResult.lowerMs).toBeLessThan(reroute.to + SLACK_MS);
    // FRA's interval is FRA's alone: its misses came after the move, and it holds FRA's moment of serving.
    const fraResult = result(report, 'FRA');
    expect(fraResult).toMatchObject({ via: 'ns1', targetKind: 'anycast', state: 'propagated', nsid: fra.nsid });
    expect(fraResult.failures).toBe(0);
    expect(fraResult.lowerMs).toBeGreaterThan(reroute.from - SLACK_MS);
    expect(fraResult.lowerMs).toBeLessThan(refresh.to + SLACK_MS);
    expect(fraResult.upperMs).toBeGreaterThan(refresh.from - SLACK_MS);
    expect(fraResult.lowerMs).toBeGreaterThan(lhrResult.lowerMs);

    // Ground truth after the round, asked at each instance's own address: FRA serves the serial, LHR still not.
    expect(servedBy('fra', report.round.record)).toContain(`serial=${report.round.serial} `);
    expect(servedBy('lhr', report.round.record)).toBe('');

    const ns2 = result(report, 'ns2');
    expect(ns2).toMatchObject({ via: 'ns2', state: 'unreachable', lowerMs: report.round.elapsedMs });
    expect(ns2.failures).toBe(ns2.queries);
    expect(ns2.lastError).toMatch(/ENETUNREACH/);
    // The --once table shows the address each result came through and its kind.
    expect(stdout).toMatch(/^LHR +ns1 +anycast +10\.53\.0\.1:53 +lhr1\.anycast\.test +rerouted /m);
    expect(stdout).toMatch(/^FRA +ns1 +anycast +10\.53\.0\.1:53 +fra1\.anycast\.test +propagated /m);
  }, 60_000);

  it('a route that flaps FRA, LHR, FRA keeps each instance to its own answers', async () => {
    const [, lhr, fra] = servers as [KnotInNetns, KnotInNetns, KnotInNetns];
    // Neither instance has this round's serial: FRA holds the previous round's, LHR none.
    net!.routeAnycastVia('fra');
    const { report, ran } = await probeRound('netns2', [
      { atMs: 800, act: () => net!.routeAnycastVia('lhr') },
      { atMs: 1600, act: () => net!.routeAnycastVia('fra') },
      { atMs: 2400, act: () => fra.refresh() },
    ]);
    const [, back, refresh] = ran as [ProbeRound['ran'][number], ProbeRound['ran'][number], ProbeRound['ran'][number]];
    expect(findReportProblems(report)).toEqual([]);
    expect(report.round.pops.map((p) => p.pop).sort()).toEqual(['FRA', 'LHR', 'ns2']);
    // LHR, visited in between, is rerouted at a miss sent before the route went back; FRA's bounds are
    // its own (misses before and after the visit), holding the refresh.
    const lhrResult = result(report, 'LHR');
    expect(lhrResult).toMatchObject({ via: 'ns1', state: 'rerouted', nsid: lhr.nsid, failures: 0 });
    expect(lhrResult.queries).toBeGreaterThan(0);
    expect(lhrResult.lowerMs).toBeLessThan(back.to + SLACK_MS);
    const fraResult = result(report, 'FRA');
    expect(fraResult).toMatchObject({ via: 'ns1', state: 'propagated', nsid: fra.nsid, failures: 0 });
    expect(fraResult.lowerMs).toBeLessThan(refresh.to + SLACK_MS);
    expect(fraResult.upperMs).toBeGreaterThan(refresh.from - SLACK_MS);
    expect(fraResult.lowerMs).toBeGreaterThan(lhrResult.lowerMs);
    expect(servedBy('fra', report.round.record)).toContain(`serial=${report.round.serial} `);
    expect(servedBy('lhr', report.round.record)).toBe('');
  }, 60_000);
});

interface NamespaceRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | string>;
}

/** Runs a command inside a namespace with PATH only in its environment; SIGKILLed after 30 s. */
function runInNamespace(namespace: string, command: string[]): NamespaceRun {
  const child = spawn('ip', ['netns', 'exec', namespace, ...command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const run: NamespaceRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? signal ?? 'unknown');
      }),
    ),
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** Polls `check` every 2 ms until it gives a value; fails with `failure()` when `given up` or after the time limit. */
async function until<T>(
  check: () => T | undefined,
  givenUp: () => boolean,
  failure: () => string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (givenUp() || performance.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** The round's report as the probe spooled it for the aggregator (the only round of this run). */
function finalReport(spoolDir: string): RoundReport {
  const files = readdirSync(spoolDir).filter((file) => file.startsWith('round-') && file.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(spoolDir, files[0]!), 'utf8')) as RoundReport;
}

function result(report: RoundReport, pop: string): PopResult {
  const found = report.round.pops.find((p) => p.pop === pop);
  if (!found) throw new Error(`no result for ${pop} in ${JSON.stringify(report.round.pops)}`);
  return found;
}
