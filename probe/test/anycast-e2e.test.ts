/**
 * The probe as assembled by createProbe (config loader, querier bound to a
 * source address, canary checker, round engine) against a small anycast-like
 * server on real sockets: instances behind one address named by NSID, the
 * catchment chosen by the query's source address and moved mid-round, round
 * trips of 250 ms, a lost packet, servers without NSID, and targets that
 * never answer. Each instance's ground truth is when it starts serving; every
 * interval the probe reports must contain its own instance's truth.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckedProbeConfig, loadProbeConfig } from '../src/config.js';
import { createProbe } from '../src/create-probe.js';
import { findReportProblems } from '../src/report/check-report.js';
import type { CanaryWriter } from '../src/writers/writer.js';
import { startRawResponder } from './dns-fixtures.js';
import { type AnycastServer, type AnycastServerOptions, startAnycastServer } from './helpers/anycast-server.js';

const ZONE = 'anycast.test';
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(options: Omit<AnycastServerOptions, 'zone'>): Promise<AnycastServer> {
  const started = await startAnycastServer({ zone: ZONE, ...options });
  cleanup.push(() => started.close());
  return started;
}

/** A writer that "writes" into the fake server at its ack, and runs `after` on the ack's timeline. */
function writerFor(servers: AnycastServer[], after?: (ackAt: number) => void): CanaryWriter {
  return {
    kind: 'fake',
    async write(change) {
      const at = performance.now();
      for (const s of servers) s.written(change.content, at);
      after?.(at);
      return { ok: true, submitToAckMs: 0, ackAt: at };
    },
  };
}

function config(values: Record<string, unknown>): CheckedProbeConfig {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-anycast-'));
  return loadProbeConfig({
    values: {
      probe: { id: 'any1' },
      zone: ZONE,
      writer: { kind: 'cloudflare', cloudflare: { apiToken: 'unused-token', zoneId: 'z' } },
      popFromNsid: { pattern: '^(?<pop>[a-z]{3})[0-9]*\\.' },
      stateDir: join(dir, 'state'),
      report: { spoolDir: join(dir, 'spool') },
      ...values,
    },
    env: {},
  }).config;
}

async function oneRound(probeConfig: CheckedProbeConfig, writer: CanaryWriter): Promise<RoundReport> {
  const probe = createProbe(probeConfig, { writer });
  try {
    const { report } = await probe.runner.runOnce();
    expect(findReportProblems(report)).toEqual([]);
    return report;
  } finally {
    await probe.close();
  }
}

const result = (report: RoundReport, pop: string): PopResult => {
  const found = report.round.pops.find((p) => p.pop === pop);
  if (!found) throw new Error(`no result for ${pop} in ${JSON.stringify(report.round.pops)}`);
  return found;
};

function expectContains(found: PopResult, truthMs: number): void {
  expect(found.state).toBe('propagated');
  expect(found.lowerMs).toBeLessThanOrEqual(truthMs);
  expect(found.upperMs).toBeGreaterThanOrEqual(truthMs);
}

describe('probe against an anycast address', () => {
  it('follows the catchment of its source address as it moves mid-round, reporting both instances apart', async () => {
    const anycast = await server({
      instances: {
        lhr: { nsid: 'lhr1.fake.test', servesAfterMs: 60_000 },
        fra: { nsid: 'fra1.fake.test', servesAfterMs: 900 },
        ams: { nsid: 'ams1.fake.test', servesAfterMs: 300 },
      },
      catchment: { '127.0.1.1': 'lhr', '127.0.1.2': 'ams' },
      rttMs: () => 40,
    });
    let moved = NaN;
    const writer = writerFor([anycast], (ackAt) =>
      setTimeout(() => {
        moved = performance.now() - ackAt;
        anycast.route('127.0.1.1', 'fra');
      }, 600),
    );
    const target = { name: 'ns1', address: anycast.address, port: anycast.port, kind: 'anycast' };
    const round = { pollIntervalMs: 20, maxWaitMs: 3000, progressMs: 500 };
    const report = await oneRound(
      config({ targets: [target], query: { sourceAddress: '127.0.1.1', timeoutMs: 500 }, round }),
      writer,
    );
    const answered = anycast.answers.filter((a) => !a.chaos);
    // Every query left from the configured source address, over UDP and any TCP retry alike.
    expect(new Set(answered.map((a) => a.source))).toEqual(new Set(['127.0.1.1']));
    const lhr = result(report, 'LHR');
    // LHR never served: it was left, censored at its last miss (sent before the move), never a timeout.
    expect(lhr).toMatchObject({ via: 'ns1', targetKind: 'anycast', state: 'rerouted', nsid: 'lhr1.fake.test' });
    expect(lhr.lowerMs).toBeLessThan(moved);
    expect(lhr.lowerMs).toBeGreaterThan(moved - 200);
    // FRA's interval holds FRA's own moment (900 ms), from FRA's answers only.
    const fra = result(report, 'FRA');
    expect(fra).toMatchObject({ via: 'ns1', nsid: 'fra1.fake.test', target: `127.0.0.1:${anycast.port}` });
    expectContains(fra, 900);
    expect(fra.lowerMs).toBeGreaterThan(lhr.lowerMs);
    expect(report.round.pops).toHaveLength(2);
    // Each instance's answers are counted against it alone.
    const answeredBy = (instance: string) => answered.filter((a) => a.instance === instance).length;
    expect(lhr.queries).toBe(answeredBy('lhr'));
    expect(fra.queries).toBe(answeredBy('fra'));

    // Another source address is another vantage: its catchment is AMS.
    const other = await oneRound(
      config({ targets: [target], query: { sourceAddress: '127.0.1.2', timeoutMs: 500 }, round }),
      writerFor([anycast]),
    );
    expect(other.round.pops).toHaveLength(1);
    expectContains(result(other, 'AMS'), 300);
  });

  it('sends the TCP fallback from the source address too, so it reaches the same catchment', async () => {
    const anycast = await server({
      instances: { mad: { nsid: 'mad1.fake.test', servesAfterMs: 300 } },
      // Only this source has a catchment: a query from any other address goes unanswered.
      catchment: { '127.0.1.5': 'mad' },
      truncateUdp: true,
    });
    const target = { name: 'ns1', address: anycast.address, port: anycast.port, kind: 'anycast' };
    const report = await oneRound(
      config({
        targets: [target],
        query: { sourceAddress: '127.0.1.5', timeoutMs: 500 },
        round: { pollIntervalMs: 20, maxWaitMs: 2000 },
      }),
      writerFor([anycast]),
    );
    const tcp = anycast.answers.filter((a) => a.transport === 'tcp');
    expect(tcp.length).toBeGreaterThan(0);
    expect(new Set(anycast.answers.map((a) => a.source))).toEqual(new Set(['127.0.1.5']));
    const mad = result(report, 'MAD');
    expectContains(mad, 300);
    expect(mad).toMatchObject({ nsid: 'mad1.fake.test', failures: 0 });
  });

  it('samples every poll interval at a 250 ms round trip, and one lost packet costs one interval', async () => {
    let dropped = false;
    const anycast = await server({
      instances: { syd: { nsid: 'syd1.fake.test', servesAfterMs: 1500 } },
      catchment: { '127.0.1.3': 'syd' },
      rttMs: () => 250,
      // The first query that SYD would have answered with the change is lost.
      drop: (_index, arrivedMs) => arrivedMs >= 1500 - 125 && !dropped && (dropped = true),
    });
    const target = { name: 'ns1', address: anycast.address, port: anycast.port, kind: 'anycast' };
    const report = await oneRound(
      config({
        targets: [target],
        query: { sourceAddress: '127.0.1.3', timeoutMs: 1000 },
        round: { pollIntervalMs: 20, maxWaitMs: 5000 },
      }),
      writerFor([anycast]),
    );
    expect(dropped).toBe(true);
    const syd = result(report, 'SYD');
    expectContains(syd, 1500);
    expect(syd.failures).toBe(1);
    console.info(`250 ms RTT, 20 ms interval, one loss: SYD [${syd.lowerMs}, ${syd.upperMs}] (${syd.queries} queries)`);
    // Waiting for each answer would give one query per round trip (about 7 by 1.75 s) and, after the loss,
    // an upper bound a whole timeout later; several in flight keep one per 20 ms slot.
    expect(syd.queries).toBeGreaterThan(syd.upperMs! / 20 / 2);
    expect(syd.upperMs! - syd.lowerMs).toBeLessThan(1000);
  });

  it('names instances by CHAOS id.server when the servers send no NSID and the fallback is on; else unreachable', async () => {
    const anycast = await server({
      instances: { nrt: { nsid: 'nrt1.fake.test', servesAfterMs: 200 } },
      catchment: { '127.0.1.4': 'nrt' },
      rttMs: () => 10,
      sendNsid: false,
    });
    const target = { name: 'ns2', address: anycast.address, port: anycast.port, kind: 'anycast' };
    const base = { targets: [target], round: { pollIntervalMs: 20, maxWaitMs: 1500 } };
    const named = await oneRound(
      config({ ...base, query: { sourceAddress: '127.0.1.4', chaosIdentityFallback: true } }),
      writerFor([anycast]),
    );
    const nrt = result(named, 'NRT');
    expectContains(nrt, 200);
    expect(nrt).toMatchObject({ via: 'ns2', nsid: 'nrt1.fake.test', failures: 0 });
    // One CHAOS question after each canary answer: a catchment that moves is noticed at the next answer.
    const chaos = anycast.answers.filter((a) => a.chaos).length;
    expect(chaos).toBe(anycast.answers.length - chaos);

    const unnamed = await oneRound(config({ ...base, query: { sourceAddress: '127.0.1.4' } }), writerFor([anycast]));
    expect(unnamed.round.pops).toEqual([
      expect.objectContaining({
        pop: 'ns2',
        via: 'ns2',
        state: 'unreachable',
        lastError:
          'anycast target ns2: answer without NSID, cannot tell which POP answered (enable query.nsid on the servers, or query.chaosIdentityFallback)',
      }),
    ]);
    expect(unnamed.round.pops[0]!.failures).toBe(unnamed.round.pops[0]!.queries);
  });

  it('reports a target that never answers, or whose TCP fallback is refused, as unreachable, not as a slow POP', async () => {
    // Answers every UDP query with TC=1 (our own question back), and has no TCP listener on its port.
    const truncating = await startRawResponder('127.0.0.1', (msg, rinfo, { socket }) => {
      const answer = Buffer.from(msg);
      answer[2] = answer[2]! | 0x86; // QR=1, AA=1, TC=1
      socket.send(answer, rinfo.port, rinfo.address);
    });
    cleanup.push(() => truncating.close());
    const silent = await startRawResponder('127.0.0.1', () => undefined);
    cleanup.push(() => silent.close());
    const report = await oneRound(
      config({
        targets: [
          { name: 'tcp-refused', address: '127.0.0.1', port: truncating.port },
          { name: 'silent', address: '127.0.0.1', port: silent.port, kind: 'anycast' },
        ],
        query: { timeoutMs: 200 },
        round: { pollIntervalMs: 50, maxWaitMs: 1000 },
      }),
      writerFor([]),
    );
    expect(result(report, 'tcp-refused')).toMatchObject({
      state: 'unreachable',
      // At the round's elapsed time: it waited out maxWaitMs for an answer (timers may fire a fraction early).
      lowerMs: report.round.elapsedMs,
      lastError: expect.stringMatching(/^network: TCP to 127\.0\.0\.1#\d+: connect ECONNREFUSED/),
    });
    expect(result(report, 'silent')).toMatchObject({
      via: 'silent',
      targetKind: 'anycast',
      state: 'unreachable',
      lastError: expect.stringMatching(/^timeout: no answer from 127\.0\.0\.1#\d+ within 200 ms/),
    });
    expect(report.round.elapsedMs).toBeGreaterThan(990);
  });
});
