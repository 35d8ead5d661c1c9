/**
 * The reporting path under failure: reports the aggregator would refuse, a
 * spool that cannot be written, spool files removed underneath the sender,
 * and the per-request abort signals (nothing may pile up on the probe's
 * process-lifetime shutdown signal).
 */
import { getEventListeners } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoundReport } from '@propwatch/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { Reporter } from '../src/report/reporter.js';
import { ReportSender } from '../src/report/sender.js';
import { Spool } from '../src/report/spool.js';
import { captureLogger } from './helpers/capture-logger.js';
import { quickSleep, report, startStub, until } from './helpers/report-stub.js';

let stub: Awaited<ReturnType<typeof startStub>> | undefined;
afterEach(async () => {
  await stub?.app.close();
  stub = undefined;
});

const spoolDir = () => mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
const options = (url: string, dir: string) => ({
  url,
  token: 't',
  timeoutMs: 1000,
  backoffBaseMs: 1,
  backoffMaxMs: 5,
  spoolDir: dir,
  maxSpoolFiles: 100,
});

/** Node 20 keeps every AbortSignal.any() result registered on its sources (nodejs/node#55351); this counts them. */
function dependantSignals(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  return key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
}

function withPop(base: RoundReport, pop: string, nsid?: string): RoundReport {
  return {
    ...base,
    round: {
      ...base.round,
      state: 'running',
      pops: [
        {
          pop,
          target: '192.0.2.1:53',
          state: 'pending',
          lowerMs: 0,
          queries: 1,
          failures: 0,
          ...(nsid === undefined ? {} : { nsid }),
        },
      ],
    },
  };
}

describe('Reporter with reports the aggregator would refuse', () => {
  it('does not spool a report that fails the wire schema, logs the failing path and value, and counts it', () => {
    const dir = spoolDir();
    const { logger, errors } = captureLogger();
    const notSpooled: string[] = [];
    const reporter = new Reporter(
      options('http://127.0.0.1:1/x', dir),
      { sleep: quickSleep, onNotSpooled: (reason) => notSpooled.push(reason) },
      logger,
    );
    expect(reporter.submit(withPop(report(1), 'LHR'))).toBe('spooled');
    expect(reporter.submit(withPop(report(1), 'lhr.ns.example.com#2'))).toBe('invalid');
    expect(reporter.submit(withPop(report(2), 'LHR', 'x'.repeat(600)))).toBe('invalid');
    expect(notSpooled).toEqual(['invalid', 'invalid']);
    // The round's previous, valid report is still the one waiting for delivery.
    expect(JSON.parse(reporter.spool.read(reporter.spool.next()!)).round.pops[0].pop).toBe('LHR');
    expect(reporter.spool.size).toBe(1);
    const [first, second] = errors();
    expect(first).toMatchObject({
      roundId: 'p1-1',
      problems: [{ path: '/round/pops/0/pop', value: '"lhr.ns.example.com#2"' }],
    });
    // The aggregator's own wording: the field, what the schema wants and what the probe put there.
    expect(first!.msg).toMatch(
      /^report fails the wire schema: report\.round\.pops\[0\]\.pop: expected a string matching .* \(got "lhr\.ns\.example\.com#2"\); not sent/,
    );
    expect(second).toMatchObject({ roundId: 'p1-2', problems: [{ path: '/round/pops/0/nsid' }] });
  });

  it('does not spool a report that breaks a rule between fields (the aggregator would refuse it too)', () => {
    const dir = spoolDir();
    const { logger, errors } = captureLogger();
    const notSpooled: string[] = [];
    const reporter = new Reporter(
      options('http://127.0.0.1:1/x', dir),
      { sleep: quickSleep, onNotSpooled: (reason) => notSpooled.push(reason) },
      logger,
    );
    const lhr = withPop(report(1), 'LHR').round.pops[0]!;
    const estimate = { ...lhr, state: 'propagated' as const, lowerMs: 1, upperMs: 2, estimateMs: 80_000 };
    const bad = { ...report(1), round: { ...report(1).round, state: 'running' as const, pops: [estimate] } };
    expect(reporter.submit(bad)).toBe('invalid');
    const twice = { ...report(2), round: { ...report(2).round, state: 'running' as const, pops: [lhr, lhr] } };
    expect(reporter.submit(twice)).toBe('invalid');
    expect(notSpooled).toEqual(['invalid', 'invalid']);
    expect(reporter.spool.size).toBe(0);
    const [first, second] = errors();
    expect(first).toMatchObject({
      roundId: 'p1-1',
      problems: [
        {
          path: '/round/pops/0/estimateMs',
          value: '80000',
          message: 'expected a number within [lowerMs, upperMs] = [1, 2] (got 80000)',
        },
      ],
    });
    expect(second).toMatchObject({ roundId: 'p1-2', problems: [{ path: '/round/pops/1', value: expect.any(String) }] });
  });

  it('survives a spool that cannot be written: the report is lost, logged and counted, nothing throws', () => {
    const dir = spoolDir();
    const { logger, errors } = captureLogger();
    const notSpooled: string[] = [];
    const reporter = new Reporter(
      options('http://127.0.0.1:1/x', dir),
      { sleep: quickSleep, onNotSpooled: (reason) => notSpooled.push(reason) },
      logger,
    );
    rmSync(dir, { recursive: true });
    expect(reporter.submit(report(1))).toBe('spool_error');
    expect(notSpooled).toEqual(['spool_error']);
    expect(errors()[0]).toMatchObject({ roundId: 'p1-1', err: { code: 'ENOENT' } });
  });
});

describe('ReportSender when spool files vanish', () => {
  it('keeps delivering after a spooled file was removed underneath it', async () => {
    stub = await startStub();
    stub.state.up = true;
    const dir = spoolDir();
    const { logger } = captureLogger();
    const reporter = new Reporter(options(stub.url, dir), { sleep: quickSleep }, logger);
    reporter.submit(report(1));
    rmSync(join(dir, 'round-p1-1.json')); // an operator cleaning up by hand
    reporter.start();
    await until(() => reporter.spool.size === 0);
    reporter.submit(report(2));
    // Stopping only once the spool is empty: aborting a request mid-response
    // would leave the stub a keep-alive connection that delays its close.
    await until(() => stub!.received.length === 1 && reporter.spool.size === 0);
    await reporter.stop();
    expect(stub.received).toEqual(['p1-2:complete']);
  });

  it('keeps delivering when the file is removed while its delivery is in flight', async () => {
    const dir = spoolDir();
    stub = await startStub((r) => rmSync(join(dir, `round-${r.round.id}.json`), { force: true }));
    stub.state.up = true;
    const reporter = new Reporter(options(stub.url, dir), { sleep: quickSleep });
    reporter.start();
    reporter.submit(report(1));
    await until(() => stub!.received.length === 1 && reporter.spool.size === 0);
    reporter.submit(report(2));
    await until(() => stub!.received.length === 2 && reporter.spool.size === 0);
    await reporter.stop();
    expect(stub.received).toEqual(['p1-1:complete', 'p1-2:complete']);
  });

  it('logs and backs off when the loop itself fails, then goes on', async () => {
    const dir = spoolDir();
    const spool = new Spool(dir, 100);
    let failNext = true;
    const acknowledge = spool.acknowledge.bind(spool);
    spool.acknowledge = (entry) => {
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('EIO: i/o error, unlink'), { code: 'EIO' });
      }
      return acknowledge(entry);
    };
    const delivered: string[] = [];
    const { logger, errors } = captureLogger();
    const fetch = async () => new Response('{}', { status: 200 });
    const sender = new ReportSender(spool, options('http://aggregator.invalid/api/v1/rounds', dir), {
      fetch,
      sleep: quickSleep,
      logger,
      onDelivered: (id) => delivered.push(id),
    });
    spool.put(report(1));
    sender.start();
    await until(() => delivered.length === 1);
    await sender.stop();
    expect(delivered).toEqual(['p1-1']);
    expect(spool.size).toBe(0);
    expect(errors()[0]).toMatchObject({ msg: expect.stringContaining('delivery loop failed'), err: { code: 'EIO' } });
  });
});

describe('ReportSender request signals', () => {
  it('leaves no listener or dependant signal on its stop signal after many deliveries, yet stop aborts a request in flight', async () => {
    const dir = spoolDir();
    const spool = new Spool(dir, 100);
    let hang = false;
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      hang
        ? new Promise<Response>((_resolve, reject) =>
            init!.signal!.addEventListener('abort', () => reject(new Error('aborted by stop'))),
          )
        : Promise.resolve(new Response('{}', { status: 200 }));
    const sender = new ReportSender(spool, options('http://aggregator.invalid/x', dir), {
      fetch: fetch,
      sleep: quickSleep,
    });
    const stopSignal = sender['stopped'].signal;
    sender.start();
    for (let serial = 1; serial <= 20; serial++) {
      spool.put(report(serial));
      sender.notify();
      await until(() => spool.size === 0);
    }
    expect(getEventListeners(stopSignal, 'abort')).toHaveLength(0);
    expect(dependantSignals(stopSignal)).toBe(0);
    hang = true;
    spool.put(report(21));
    sender.notify();
    await until(() => getEventListeners(stopSignal, 'abort').length === 1);
    await sender.stop();
    expect(spool.size).toBe(1); // undelivered, kept for the next start
  });

  it('gives up on a request after timeoutMs and retries', async () => {
    const dir = spoolDir();
    const spool = new Spool(dir, 100);
    let calls = 0;
    const fetch = (_url: string | URL | Request, init?: RequestInit) =>
      ++calls === 1
        ? new Promise<Response>((_resolve, reject) =>
            init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason as Error)),
          )
        : Promise.resolve(new Response('{}', { status: 200 }));
    const { logger, lines } = captureLogger();
    const sender = new ReportSender(
      spool,
      { ...options('http://aggregator.invalid/x', dir), timeoutMs: 50 },
      { fetch: fetch, sleep: quickSleep, logger },
    );
    spool.put(report(1));
    sender.start();
    await until(() => spool.size === 0);
    await sender.stop();
    expect(calls).toBe(2);
    expect(lines.some((line) => line.msg === 'aggregator unreachable: no answer within 50 ms')).toBe(true);
  });
});

describe('Spool', () => {
  it('fsyncs final reports only; progress reports are still replaced atomically', () => {
    const dir = spoolDir();
    const synced: number[] = [];
    const spool = new Spool(dir, 100, undefined, { fsync: (fd) => void synced.push(fd) });
    spool.put(report(1, 'running'));
    spool.put(report(1, 'running'));
    expect(synced).toHaveLength(0);
    spool.put(report(1, 'complete'));
    spool.put(report(2, 'write_failed'));
    expect(synced).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(['round-p1-1.json', 'round-p1-2.json']);
    expect(JSON.parse(spool.read(spool.next()!)).round.state).toBe('write_failed');
  });
});
