/**
 * A probe with several aggregator URLs (replicas sharing one database): a
 * report whose URL fails (refused, reset, timeout, 5xx, redirect) goes to the
 * next at once, the very same bytes; a 4xx is the report's fault and is not
 * failed over; when every URL fails the report stays spooled and drains later
 * to whichever answers; the first URL takes reports back after a while. Real
 * HTTP servers on loopback; the backoff sleep and the monotonic clock are
 * injected, so no test waits for a backoff.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeMetrics } from '../src/metrics/probe-metrics.js';
import { Reporter } from '../src/report/reporter.js';
import { captureLogger } from './helpers/capture-logger.js';
import { type Replica, refusedUrl, startReplica } from './helpers/replicas.js';
import { report, until } from './helpers/report-stub.js';

const TOKEN = 'probe-secret-token-4711';
const replicas: Replica[] = [];
const reporters: Reporter[] = [];
afterEach(async () => {
  await Promise.all(reporters.splice(0).map((reporter) => reporter.stop()));
  await Promise.all(replicas.splice(0).map((replica) => replica.close()));
});

async function replica(): Promise<Replica> {
  const started = await startReplica();
  replicas.push(started);
  return started;
}

const down503 = () => ({ status: 503, body: '{"statusCode":503,"error":"Service Unavailable","message":"draining"}' });

interface Setup {
  urls: string[];
  timeoutMs?: number;
  preferFirstAfterMs?: number;
  monotonicNow?: () => number;
}

/** A started reporter over `urls`, with its log, its metrics and every backoff it asked for. */
function startReporter({ urls, timeoutMs = 2000, ...rest }: Setup) {
  const { logger, lines } = captureLogger();
  const metrics = new ProbeMetrics(false);
  metrics.declareEndpoints(urls.length);
  const sleeps: number[] = [];
  let release: (() => void) | undefined;
  const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-failover-'));
  const reporter = new Reporter(
    { urls, token: TOKEN, timeoutMs, backoffBaseMs: 1000, backoffMaxMs: 60_000, spoolDir, maxSpoolFiles: 100, ...rest },
    {
      // A backoff is recorded and held until the test lets it go: the test decides when time has passed.
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          release = resolve;
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      },
      random: () => 0.5,
      logger,
      ...(rest.monotonicNow ? { monotonicNow: rest.monotonicNow } : {}),
      onEndpointChange: (change) => metrics.observeEndpointChange(change),
    },
    logger,
  );
  reporters.push(reporter);
  reporter.start();
  return { reporter, lines, metrics, sleeps, spoolDir, endBackoff: () => release?.() };
}

async function failoverSeries(metrics: ProbeMetrics): Promise<Record<string, number>> {
  const { values } = (await metrics.failovers.get()) as { values: { labels: Record<string, string>; value: number }[] };
  return Object.fromEntries(values.map((v) => [`${v.labels.from}->${v.labels.to}`, v.value]));
}

describe('Reporter failover between aggregator URLs', () => {
  it('first URL refused: the second gets the report at once, and the log and metrics say so', async () => {
    const [refused, second] = [await refusedUrl(), await replica()];
    const { reporter, lines, metrics, sleeps } = startReporter({ urls: [refused, second.url] });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    expect(second.bodies.map((body) => JSON.parse(body).round.id)).toEqual(['p1-1']);
    expect(sleeps).toEqual([]); // no backoff: the failover was immediate
    const failed = lines.find((line) => line.msg.startsWith('aggregator unreachable'));
    expect(failed).toMatchObject({ aggregator: refused, aggregatorIndex: 0 });
    expect(failed?.msg).toMatch(/ECONNREFUSED/);
    expect(lines.find((line) => line.msg.includes('takes over'))).toMatchObject({
      msg: `aggregator URL 0 (${refused}) failed; URL 1 (${second.url}) takes over`,
      fromIndex: 0,
      toIndex: 1,
    });
    expect(await failoverSeries(metrics)).toEqual({ '0->1': 1, '1->0': 0 });
    expect((await metrics.endpointIndex.get()).values[0]?.value).toBe(1);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    // Reports stay with the URL that answered.
    reporter.submit(report(2));
    await until(() => reporter.spool.size === 0);
    expect(second.bodies).toHaveLength(2);
  });

  it('first URL answers 503: the second gets the very same bytes (one round id, deduplicated by the aggregator)', async () => {
    const [first, second] = [await replica(), await replica()];
    first.answer = down503;
    const { reporter, lines } = startReporter({ urls: [first.url, second.url] });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    expect(first.bodies).toHaveLength(1);
    expect(second.bodies).toEqual(first.bodies);
    expect(second.headers[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(lines.map((line) => line.msg)).toContain('aggregator answered HTTP 503: draining');
  });

  it.each([
    ['reset', 'reset' as const],
    ['timeout', 'hang' as const],
  ])('first URL %s: the second gets the same report at once', async (_name, answer) => {
    const [first, second] = [await replica(), await replica()];
    first.answer = () => answer;
    const { reporter, sleeps } = startReporter({ urls: [first.url, second.url], timeoutMs: 300 });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    expect([first.bodies.length, second.bodies.length, sleeps.length]).toEqual([1, 1, 0]);
    // The first may have stored it before it went silent: the second gets the same bytes, one round id.
    expect(second.bodies).toEqual(first.bodies);
  });

  it('the first URL takes reports back after preferFirstAfterMs, and a still-dead first costs one attempt', async () => {
    let now = 0;
    const [first, second] = [await replica(), await replica()];
    first.answer = down503;
    const { reporter, lines, metrics } = startReporter({
      urls: [first.url, second.url],
      preferFirstAfterMs: 60_000,
      monotonicNow: () => now,
    });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    now += 59_999;
    reporter.submit(report(2));
    await until(() => reporter.spool.size === 0);
    expect([first.bodies.length, second.bodies.length]).toEqual([1, 2]);
    // Still down when the time is up: one attempt, then the second again.
    now += 1;
    reporter.submit(report(3));
    await until(() => reporter.spool.size === 0);
    expect([first.bodies.length, second.bodies.length]).toEqual([2, 3]);
    // Back up: the next due return delivers to it, and reports stay there.
    first.answer = () => ({ status: 200, body: '{}' });
    now += 60_000;
    reporter.submit(report(4));
    await until(() => reporter.spool.size === 0);
    reporter.submit(report(5));
    await until(() => reporter.spool.size === 0);
    expect(first.bodies.slice(2).map((body) => JSON.parse(body).round.id)).toEqual(['p1-4', 'p1-5']);
    expect(second.bodies).toHaveLength(3);
    expect(lines.filter((line) => line.msg.startsWith('reports go back to the first'))).toHaveLength(2);
    expect(await failoverSeries(metrics)).toEqual({ '0->1': 2, '1->0': 0 });
    expect((await metrics.endpointIndex.get()).values[0]?.value).toBe(0);
  });

  it('with no delay before returning to a dead first URL, each report still reaches the second (one refused attempt each)', async () => {
    const [refused, second] = [await refusedUrl(), await replica()];
    const { reporter, sleeps } = startReporter({ urls: [refused, second.url], preferFirstAfterMs: 0 });
    for (let serial = 1; serial <= 3; serial++) {
      reporter.submit(report(serial));
      await until(() => reporter.spool.size === 0);
    }
    expect(second.bodies).toHaveLength(3);
    expect(sleeps).toEqual([]);
  });

  it('every URL down: each tried once per report and cycle, then the spool keeps it and drains to whichever answers', async () => {
    const [first, second] = [await replica(), await replica()];
    first.answer = down503;
    second.answer = () => ({ status: 502, body: '<html>bad gateway</html>', headers: { 'retry-after': '7' } });
    const { reporter, sleeps, endBackoff, spoolDir } = startReporter({ urls: [first.url, second.url] });
    reporter.submit(report(1, 'running'));
    await until(() => sleeps.length === 1);
    expect([first.bodies.length, second.bodies.length]).toEqual([1, 1]);
    expect(sleeps).toEqual([7000]); // the last answer's Retry-After
    expect(readdirSync(spoolDir)).toEqual(['round-p1-1.json']);
    // A newer report of the same round replaces the spooled one; the next cycle goes round once more.
    reporter.submit(report(1, 'complete'));
    endBackoff();
    await until(() => sleeps.length === 2);
    expect([first.bodies.length, second.bodies.length]).toEqual([2, 2]);
    // The second replica recovers: the spool drains to it, the final report once.
    second.answer = () => ({ status: 200, body: '{}' });
    endBackoff();
    await until(() => reporter.spool.size === 0);
    const delivered = second.bodies.slice(2).map((body) => JSON.parse(body).round);
    expect(delivered.map((round: { id: string; state: string }) => `${round.id}:${round.state}`)).toEqual([
      'p1-1:complete',
    ]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('stopping while a URL has not answered is no failover: nothing logged or counted, the report stays spooled', async () => {
    const [first, second] = [await replica(), await replica()];
    first.answer = () => 'hang';
    const { reporter, lines, metrics } = startReporter({ urls: [first.url, second.url] });
    reporter.submit(report(1));
    await until(() => first.bodies.length === 1);
    await reporter.stop();
    expect(second.bodies).toHaveLength(0);
    expect(reporter.spool.size).toBe(1);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(await failoverSeries(metrics)).toEqual({ '0->1': 0, '1->0': 0 });
  });

  it('a 400 is not failed over: the report is refused for good, the second URL never sees it', async () => {
    const [first, second] = [await replica(), await replica()];
    first.answer = () => ({ status: 400, body: '{"code":"FST_ERR_VALIDATION","message":"body.round.id: too long"}' });
    const { reporter, lines, metrics } = startReporter({ urls: [first.url, second.url] });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    expect([first.bodies.length, second.bodies.length]).toEqual([1, 0]);
    expect(readdirSync(join(reporter.spool.dir, 'rejected'))).toEqual(['round-p1-1.json']);
    expect(lines.find((line) => line.level === 50)?.msg).toContain('refused the report for good (HTTP 400');
    expect(await failoverSeries(metrics)).toEqual({ '0->1': 0, '1->0': 0 });
  });

  it('a 429 is not failed over either: backed off, then retried on the same URL', async () => {
    const [first, second] = [await replica(), await replica()];
    let calls = 0;
    first.answer = () => (++calls === 1 ? { status: 429, body: '{}' } : { status: 200, body: '{}' });
    const { reporter, sleeps, endBackoff } = startReporter({ urls: [first.url, second.url] });
    reporter.submit(report(1));
    await until(() => sleeps.length === 1);
    endBackoff();
    await until(() => reporter.spool.size === 0);
    expect([first.bodies.length, second.bodies.length]).toEqual([2, 0]);
  });

  it('a hostile redirect or an endless body from a failing URL costs a bounded read and a bounded log line', async () => {
    const [redirecting, endless, good] = [await replica(), await replica(), await replica()];
    const location = `http://user:pass@evil.example/${'a'.repeat(8000)}?token=${TOKEN}`;
    redirecting.answer = () => ({ status: 307, headers: { location } });
    let written = 0;
    endless.answer = () => ({
      status: 503,
      body: async function* () {
        for (const chunk = Buffer.alloc(64 * 1024, 'x'); written < 128 * 1024 ** 2; written += chunk.length)
          yield chunk;
      },
    });
    const { reporter, lines } = startReporter({ urls: [redirecting.url, endless.url, good.url] });
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    expect([redirecting.bodies.length, endless.bodies.length, good.bodies.length]).toEqual([1, 1, 1]);
    const redirect = lines.find((line) => line.msg.includes('redirect'));
    expect(redirect?.msg).toMatch(/^aggregator answered HTTP 307 redirect to http:\/\/\*\*\*@evil\.example\/a+…/);
    expect(redirect!.msg.length).toBeLessThan(400);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(JSON.stringify(lines)).not.toContain('pass@');
    // The endless 503 was read to the bound and dropped, not to its 128 MiB.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });
});
