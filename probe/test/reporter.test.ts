import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Reporter } from '../src/report/reporter.js';
import { MAX_REJECTED, Spool } from '../src/report/spool.js';
import { quickSleep, report, startStub, until } from './helpers/report-stub.js';

let stub: Awaited<ReturnType<typeof startStub>>;
afterEach(async () => {
  await stub?.app.close();
});

describe('Reporter', () => {
  it('keeps reports through an aggregator outage and a probe restart, then delivers each round once', async () => {
    stub = await startStub();
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const options = {
      url: stub.url,
      token: 'probe-token-1',
      timeoutMs: 1000,
      backoffBaseMs: 1,
      backoffMaxMs: 5,
      spoolDir,
      maxSpoolFiles: 1000,
    };
    const first = new Reporter(options, { sleep: quickSleep });
    first.start();
    for (let serial = 1; serial <= 20; serial++) {
      first.submit(report(serial, 'running', 10));
      first.submit(report(serial, 'complete', 500));
    }
    await until(() => first.sender.consecutiveFailures >= 3);
    await first.stop(); // the probe process goes away with everything undelivered
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toHaveLength(20);

    stub.state.up = true;
    const second = new Reporter(options, { sleep: quickSleep });
    second.start();
    await until(() => second.spool.size === 0);
    await second.stop();
    expect(stub.store.size).toBe(20);
    expect([...stub.store.values()].every((r) => r.round.state === 'complete')).toBe(true);
    // Only the latest version of each round was spooled, so each round was sent once.
    expect(stub.received).toHaveLength(20);
    expect(stub.state.auth).toBe('Bearer probe-token-1');
  });

  it('retries when the aggregator is not listening at all', async () => {
    stub = await startStub();
    stub.state.up = true;
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const dead = new Reporter(
      {
        url: 'http://127.0.0.1:1/api/v1/rounds',
        token: 't',
        timeoutMs: 500,
        backoffBaseMs: 1,
        backoffMaxMs: 5,
        spoolDir,
        maxSpoolFiles: 100,
      },
      { sleep: quickSleep },
    );
    dead.start();
    dead.submit(report(1));
    await until(() => dead.sender.consecutiveFailures >= 2);
    await dead.stop();
    const alive = new Reporter(
      { url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 },
      { sleep: quickSleep },
    );
    alive.start();
    // Not until the stub stored it: the stub stores before its answer reaches the
    // reporter, which only then removes the file (on Node 22 stop() often came first).
    await until(() => alive.spool.size === 0);
    await alive.stop();
    expect(stub.store.size).toBe(1);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('delivers the newest round first so live progress is not stuck behind a backlog', async () => {
    stub = await startStub();
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const spool = new Spool(spoolDir, 100);
    for (const serial of [5, 1, 9, 3]) spool.put(report(serial));
    expect(spool.next()?.roundId).toBe('p1-9');
    stub.state.up = true;
    const reporter = new Reporter(
      { url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 },
      { sleep: quickSleep },
    );
    reporter.start();
    await until(() => stub.received.length === 4 && reporter.spool.size === 0);
    await reporter.stop();
    expect(stub.received.map((r) => r.split(':')[0])).toEqual(['p1-9', 'p1-5', 'p1-3', 'p1-1']);
  });

  it('drops the oldest rounds past the bound and says how many', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    let dropped = 0;
    const reporter = new Reporter(
      {
        url: 'http://127.0.0.1:1/x',
        token: 't',
        timeoutMs: 100,
        backoffBaseMs: 1,
        backoffMaxMs: 5,
        spoolDir,
        maxSpoolFiles: 10,
      },
      { sleep: quickSleep, onDropped: (n) => (dropped += n) },
    );
    for (let serial = 1; serial <= 15; serial++) reporter.submit(report(serial));
    expect(dropped).toBe(5);
    expect(reporter.spool.size).toBe(10);
    expect(reporter.spool.next()?.roundId).toBe('p1-15');
    const reopened = new Spool(spoolDir, 10);
    expect(reopened.size).toBe(10);
  });

  it('moves a report the aggregator rejects for good aside instead of retrying it forever', async () => {
    stub = await startStub();
    stub.state.status = 400;
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const reporter = new Reporter(
      { url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 },
      { sleep: quickSleep },
    );
    reporter.start();
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    await reporter.stop();
    expect(readdirSync(join(spoolDir, 'rejected'))).toEqual(['round-p1-1.json']);
  });

  it('keeps at most MAX_REJECTED refused reports, dropping the oldest, also across restarts', () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const refuseAll = (spool: Spool, from: number, to: number) => {
      for (let serial = from; serial <= to; serial++) {
        spool.put(report(serial));
        spool.reject(spool.next()!);
      }
    };
    const spool = new Spool(spoolDir, 100_000);
    refuseAll(spool, 1, MAX_REJECTED + 5);
    const rejected = () => readdirSync(join(spoolDir, 'rejected'));
    expect(rejected()).toHaveLength(MAX_REJECTED);
    expect(rejected()).not.toContain('round-p1-5.json');
    expect(rejected()).toContain('round-p1-6.json');
    const reopened = new Spool(spoolDir, 100_000);
    refuseAll(reopened, MAX_REJECTED + 6, MAX_REJECTED + 7);
    expect(rejected()).toHaveLength(MAX_REJECTED);
    expect(rejected()).toContain(`round-p1-${MAX_REJECTED + 7}.json`);
  });

  it('survives leftovers of a crash: a torn temp file and a corrupt report', () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const spool = new Spool(spoolDir, 100);
    spool.put(report(1));
    writeFileSync(join(spoolDir, 'round-p1-2.json.tmp'), '{"half');
    writeFileSync(join(spoolDir, 'round-p1-3.json'), 'not json');
    const corrupt: string[] = [];
    const reopened = new Spool(spoolDir, 100, (file) => corrupt.push(file));
    expect(reopened.size).toBe(1);
    expect(corrupt).toEqual(['round-p1-3.json']);
    expect(readdirSync(spoolDir).sort()).toEqual(['round-p1-1.json', 'round-p1-3.json.corrupt']);
  });
});
