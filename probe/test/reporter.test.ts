import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoundReport } from '@propwatch/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Reporter } from '../src/report/reporter.js';
import { Spool } from '../src/report/spool.js';

/** A stand-in aggregator that upserts by round id, like the real one, and can be switched off. */
async function startStub() {
  const store = new Map<string, RoundReport>();
  const received: string[] = [];
  const state = { up: false, status: 503, auth: '' };
  const app: FastifyInstance = Fastify();
  app.post('/api/v1/rounds', async (request, reply) => {
    state.auth = String(request.headers.authorization);
    if (!state.up) return reply.code(state.status).send({ error: 'down' });
    const report = request.body as RoundReport;
    received.push(`${report.round.id}:${report.round.state}`);
    const existing = store.get(report.round.id);
    // Never move a round backwards: a late progress report cannot undo a final one.
    if (!existing || existing.round.state === 'running') store.set(report.round.id, report);
    return reply.code(200).send({ ok: true });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, store, received, state, url: `http://127.0.0.1:${port}/api/v1/rounds` };
}

function report(serial: number, state: RoundReport['round']['state'] = 'complete', elapsedMs = 100): RoundReport {
  return {
    wireVersion: 1,
    probe: { id: 'p1', region: 'test', version: '0.1.0' },
    round: { id: `p1-${serial}`, zone: 'z.test', record: 'p1._propwatch.z.test', serial: String(serial), startedAt: new Date(serial).toISOString(), state, elapsedMs, write: { submitToAckMs: 1 }, pops: [] },
  };
}

const quickSleep = () => new Promise<void>((resolve) => setTimeout(resolve, 2));
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached');
};

let stub: Awaited<ReturnType<typeof startStub>>;
afterEach(async () => {
  await stub?.app.close();
});

describe('Reporter', () => {
  it('keeps reports through an aggregator outage and a probe restart, then delivers each round once', async () => {
    stub = await startStub();
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const options = { url: stub.url, token: 'probe-token-1', timeoutMs: 1000, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 1000 };
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
    const dead = new Reporter({ url: 'http://127.0.0.1:1/api/v1/rounds', token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 }, { sleep: quickSleep });
    dead.start();
    dead.submit(report(1));
    await until(() => dead.sender.consecutiveFailures >= 2);
    await dead.stop();
    const alive = new Reporter({ url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 }, { sleep: quickSleep });
    alive.start();
    await until(() => stub.store.size === 1);
    await alive.stop();
    expect(alive.spool.size).toBe(0);
  });

  it('delivers the newest round first so live progress is not stuck behind a backlog', async () => {
    stub = await startStub();
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    const spool = new Spool(spoolDir, 100);
    for (const serial of [5, 1, 9, 3]) spool.put(report(serial));
    expect(spool.next()?.roundId).toBe('p1-9');
    stub.state.up = true;
    const reporter = new Reporter({ url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 }, { sleep: quickSleep });
    reporter.start();
    await until(() => stub.received.length === 4);
    await reporter.stop();
    expect(stub.received.map((r) => r.split(':')[0])).toEqual(['p1-9', 'p1-5', 'p1-3', 'p1-1']);
  });

  it('drops the oldest rounds past the bound and says how many', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-spool-'));
    let dropped = 0;
    const reporter = new Reporter({ url: 'http://127.0.0.1:1/x', token: 't', timeoutMs: 100, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 10 }, { sleep: quickSleep, onDropped: (n) => (dropped += n) });
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
    const reporter = new Reporter({ url: stub.url, token: 't', timeoutMs: 500, backoffBaseMs: 1, backoffMaxMs: 5, spoolDir, maxSpoolFiles: 100 }, { sleep: quickSleep });
    reporter.start();
    reporter.submit(report(1));
    await until(() => reporter.spool.size === 0);
    await reporter.stop();
    expect(readdirSync(join(spoolDir, 'rejected'))).toEqual(['round-p1-1.json']);
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
