/**
 * Issue 12 item 1, end to end with the shipped examples' numbers: the
 * aggregator loaded from examples/aggregator.yaml (threshold 60 s, quorum 2)
 * and two probes running the real round engine with the round settings of
 * examples/probe.rfc2136.yaml, reporting every progress and final report
 * over HTTP (app.inject). A POP that never serves must alarm — with the
 * example's wait (90 s: mid-round, once the pending bound passes 60 s) and
 * with the wait the example used to ship (30 s: the timeout itself alarms,
 * and the aggregator warns about the wait). Time is fake (vitest timers drive
 * the probes' clock and the aggregator's), so minutes of rounds take a second.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProbeConfig, runRound, type CheckCanary, type RoundSettings } from '@propwatch/probe';
import { type RoundReport, type Status, systemClock } from '@propwatch/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { build } from '../src/app.js';
import { loadAggregatorConfig } from '../src/config.js';
import { tempDir } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const PROBES = [
  { id: 'aws-eu-west-1', token: 'token-aws-eu-west-1-0123456789' },
  { id: 'gcp-us-east1', token: 'token-gcp-us-east1-01234567890' },
];

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  temp.cleanup();
});

function exampleAggregator(): FastifyInstance {
  const { config } = loadAggregatorConfig({
    file: join(EXAMPLES, 'aggregator.yaml'),
    env: {
      PROPWATCH_PROBES: JSON.stringify(PROBES),
      PROPWATCH_STORAGE__PATH: join(temp.dir, 'aggregator.db'),
      PROPWATCH_LOG_LEVEL: 'silent',
    },
  });
  expect(config.status).toMatchObject({ alarmAboveMs: 60_000, quorum: 2 });
  return build({ config, clock: systemClock });
}

function exampleRound(probeId: string, maxWaitMs?: number): RoundSettings {
  const { config } = loadProbeConfig({
    file: join(EXAMPLES, 'probe.rfc2136.yaml'),
    env: { PROPWATCH_WRITER__RFC2136__TSIG__SECRET: 'c2VjcmV0LXRzaWcta2V5LWV4YW1wbGU=', PROPWATCH_REPORT__TOKEN: 'x' },
  });
  return {
    probe: { id: probeId, region: probeId, version: '0.1.0' },
    zone: config.zone,
    record: `${probeId}._propwatch.${config.zone}`,
    ttl: config.ttl,
    pollIntervalMs: config.round.pollIntervalMs,
    maxWaitMs: maxWaitMs ?? config.round.maxWaitMs,
    progressMs: config.round.progressMs,
    concurrency: 8,
  };
}

/** The example's four POPs: FRA never serves the new serial (stuck); the others do after 2 s. */
function stuckFra(start: number): CheckCanary {
  return async (target, question) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const serving = target.name !== 'FRA' && performance.now() >= start + 2_000;
    return serving
      ? { kind: 'hit', servedSerial: question.serial, rttMs: 2 }
      : { kind: 'miss', why: 'older serial', rttMs: 2 };
  };
}

/** Both probes run one round from now; every report goes to the aggregator as it is made. */
function runProbes(app: FastifyInstance, maxWaitMs?: number) {
  const deliveries: Promise<unknown>[] = [];
  const send = (report: RoundReport) => {
    const token = PROBES.find((p) => p.id === report.probe.id)!.token;
    deliveries.push(
      app
        .inject({
          method: 'POST',
          url: '/api/v1/rounds',
          headers: { authorization: `Bearer ${token}` },
          payload: report,
        })
        .then((response) => expect(response.statusCode, response.body).toBe(200)),
    );
  };
  const start = performance.now();
  const rounds = PROBES.map(async ({ id }, i) => {
    const targets = [
      { name: 'FRA', address: '192.0.2.101', port: 53 },
      { name: 'AMS', address: '192.0.2.102', port: 53 },
      { name: 'IAD', address: '198.51.100.103', port: 53 },
      { name: 'SIN', address: '2001:db8:53::104', port: 53 },
    ];
    const writer = {
      kind: 'fake',
      write: async () => ({ ok: true as const, submitToAckMs: 5, ackAt: performance.now() }),
    };
    const { report } = await runRound(exampleRound(id, maxWaitMs), targets, BigInt(1_800_000_000_000 + i), {
      writer,
      check: stuckFra(start),
      clock: systemClock,
      onProgress: send,
    });
    send(report);
  });
  return { settled: async () => Promise.all([...rounds, ...deliveries]) };
}

async function statusAt(app: FastifyInstance, seconds: number, started: number): Promise<Status> {
  await vi.advanceTimersByTimeAsync(started + seconds * 1000 - Date.now());
  return (await app.inject('/api/v1/status')).json<Status>();
}

describe('a stuck POP with the shipped examples', () => {
  it('alarms mid-round once the pending bound passes 60 s (the example probe waits 90 s), and stays on at the timeout', async () => {
    const app = exampleAggregator();
    await app.ready();
    const started = Date.now();
    const probes = runProbes(app);
    expect(await statusAt(app, 30, started)).toMatchObject({ state: 'ok' });
    const alarm = await statusAt(app, 63, started);
    expect(alarm.state).toBe('alarm');
    expect(alarm.reason).toMatch(
      /^FRA not serving serial 180000000000[01] after 6[0-3]\.\d s \(probes aws-eu-west-1, gcp-us-east1\)$/,
    );
    const timedOut = await statusAt(app, 95, started);
    expect(timedOut.state).toBe('alarm');
    expect(timedOut.reason).toMatch(
      /^FRA not serving serial 180000000000[01] after ≥ 90\.0 s \(timeout; probes aws-eu-west-1, gcp-us-east1\)$/,
    );
    await probes.settled();
    const probesView = (await app.inject('/api/v1/probes')).json<{ probes: { maxWaitMs: number; warnings: [] }[] }>();
    expect(probesView.probes.map((p) => [p.maxWaitMs, p.warnings])).toEqual([
      [90_000, []],
      [90_000, []],
    ]);
    await app.close();
  });

  it('alarms at the timeout with the wait the example used to ship (30 s under a 60 s threshold), and warns', async () => {
    const app = exampleAggregator();
    await app.ready();
    const started = Date.now();
    const probes = runProbes(app, 30_000);
    // The pending bound stops at 30 s, below the threshold: no alarm while the round runs...
    expect(await statusAt(app, 29, started)).toMatchObject({ state: 'ok' });
    // ...but the timeout at the end of the wait is a breach (it used to be censored at 30 s, "below" 60 s).
    const alarm = await statusAt(app, 31, started);
    expect(alarm.state).toBe('alarm');
    expect(alarm.reason).toMatch(
      /^FRA not serving serial 180000000000[01] after ≥ 30\.0 s \(timeout; probes aws-eu-west-1, gcp-us-east1\)$/,
    );
    await probes.settled();
    const probesView = (await app.inject('/api/v1/probes')).json<{
      probes: { id: string; warnings: { code: string }[] }[];
    }>();
    expect(probesView.probes.map((p) => p.warnings.map((w) => w.code))).toEqual([
      ['max_wait_not_above_threshold'],
      ['max_wait_not_above_threshold'],
    ]);
    await app.close();
  });
});
