/**
 * RFC 5452 source-port randomisation: the pool's sockets rotate, so queries
 * leave from ever new ports, observed by a real UDP server on 127.0.0.1.
 */
import type dgram from 'node:dgram';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RRClass, RRType } from '@propwatch/dns';
import { Querier, type QuerierOptions, type QueryResult } from '../src/querier/index.js';
import { startRawResponder, type RawResponder } from './dns-fixtures.js';

const question = { name: 'p1._propwatch.propwatch.test', type: RRType.TXT, class: RRClass.IN };

/** Our query turned into its own answer: QR=1, AA=1, same ID and question (NODATA). */
function answerTo(query: Buffer): Buffer {
  const answer = Buffer.from(query);
  answer[2] = answer[2]! | 0x84;
  return answer;
}

/** Runs of consecutive equal values, as lengths. */
function runLengths(values: number[]): number[] {
  const runs: number[] = [];
  values.forEach((value, i) => (i > 0 && values[i - 1] === value ? runs[runs.length - 1]!++ : runs.push(1)));
  return runs;
}

function openSocketFds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // the directory's own fd, gone by now
    }
  }).length;
}

/** Lets pending socket events run (real I/O, whatever the timers). */
const ioTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 10_000) throw new Error('condition not met after 10,000 event-loop turns');
    await ioTurn();
  }
}

describe('UDP source-port rotation', () => {
  let server: RawResponder;
  let held: { msg: Buffer; rinfo: dgram.RemoteInfo }[];
  let hold: boolean;
  let querier: Querier | undefined;
  const target = () => ({ address: server.address, port: server.port });
  const ports = () => server.received.map((r) => r.rinfo.port);
  const open = (options: QuerierOptions) =>
    (querier = new Querier({ bind: { v4: '127.0.0.1' }, timeoutMs: 1000, ...options }));
  const release = (index: number) =>
    server.socket.send(answerTo(held[index]!.msg), held[index]!.rinfo.port, held[index]!.rinfo.address);

  beforeEach(async () => {
    held = [];
    hold = false;
    server = await startRawResponder('127.0.0.1', (msg, rinfo, { socket }) => {
      if (hold) held.push({ msg, rinfo });
      else socket.send(answerTo(msg), rinfo.port, rinfo.address);
    });
  });

  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    querier?.close();
    querier = undefined;
    await server.close();
  });

  it('sends from a fresh port every maxQueriesPerSocket queries', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // no jitter: every budget is the full 10
    const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: 10, maxSocketAgeMs: 0 });
    for (let i = 0; i < 200; i++) expect((await q.query(target(), question)).kind).toBe('answer');
    // Each socket served exactly 10; two sockets in a row could only share a
    // run if the kernel handed out the same random port twice.
    expect(runLengths(ports()).every((run) => run % 10 === 0)).toBe(true);
    expect(new Set(ports()).size).toBeGreaterThanOrEqual(15);
    expect(q.stats().sockets).toEqual({ opened: 20, closed: 19, rotated: 19, bindFailures: 0 });
  });

  it('draws each socket a budget between half and all of maxQueriesPerSocket, so sockets do not all rotate at once', async () => {
    const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: 10, maxSocketAgeMs: 0 });
    for (let i = 0; i < 200; i++) await q.query(target(), question);
    // Each socket served 6 to 10 queries: 200 queries need 20 to 34 sockets.
    const { opened } = q.stats().sockets;
    expect(opened).toBeGreaterThanOrEqual(20);
    expect(opened).toBeLessThanOrEqual(34);
    expect(
      runLengths(ports())
        .slice(0, -1)
        .filter((run) => run < 6),
    ).toEqual([]); // the last socket is cut short by the end of the test
    expect(new Set(runLengths(ports())).size).toBeGreaterThan(1);
  });

  it('without rotation every query of the querier leaves from the same port', async () => {
    const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: 0, maxSocketAgeMs: 0 });
    for (let i = 0; i < 50; i++) await q.query(target(), question);
    expect(new Set(ports()).size).toBe(1);
    expect(q.stats().sockets.rotated).toBe(0);
  });

  it('replaces a socket older than maxSocketAgeMs when it is next used', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    vi.spyOn(Math, 'random').mockReturnValue(0); // no jitter: the full 5 s
    const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: 0, maxSocketAgeMs: 5000 });
    await q.query(target(), question);
    vi.advanceTimersByTime(4999);
    await q.query(target(), question);
    vi.advanceTimersByTime(1);
    await q.query(target(), question);
    const [first, second, third] = ports();
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(q.stats().sockets).toMatchObject({ opened: 2, closed: 1, rotated: 1 });
  });

  it('a retiring socket keeps receiving until its queries in flight are answered, then closes', async () => {
    const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: 2, maxSocketAgeMs: 0 });
    hold = true;
    const results: Promise<QueryResult>[] = [0, 1, 2].map(() => q.query(target(), question));
    await until(() => held.length === 3);
    const [a1, a2, b] = ports();
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    // The third query rotated the first socket out; its two queries still wait on it.
    expect(q.stats().sockets).toEqual({ opened: 2, closed: 0, rotated: 1, bindFailures: 0 });
    release(0);
    release(1);
    const [r1, r2] = await Promise.all(results.slice(0, 2));
    expect([r1!.kind, r2!.kind]).toEqual(['answer', 'answer']);
    expect(q.stats().sockets.closed).toBe(1);
    release(2);
    expect((await results[2]!).kind).toBe('answer');
    expect(q.stats().dropped).toEqual({ short: 0, unknownId: 0, wrongSource: 0, mismatch: 0, malformed: 0 });
  });

  // The late answer arrives after the retired socket timed its query out and
  // closed; a control run without rotation shows the same answer does reach
  // the querier (and is dropped as unknownId) when its socket is still open.
  for (const rotate of [true, false]) {
    it(`a late answer to a ${rotate ? 'retired and closed' : 'still open'} socket is ${rotate ? 'not seen at all' : 'dropped as unknownId'}`, async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const q = open({ socketsPerFamily: 1, maxQueriesPerSocket: rotate ? 1 : 0, maxSocketAgeMs: 0, timeoutMs: 1000 });
      hold = true;
      const late = q.query(target(), question);
      await until(() => held.length === 1);
      hold = false;
      expect((await q.query(target(), question)).kind).toBe('answer');
      vi.advanceTimersByTime(1000);
      expect(await late).toMatchObject({ kind: 'failure', reason: 'timeout' });
      expect(q.stats().sockets.closed).toBe(rotate ? 1 : 0);
      release(0);
      // One more round trip from the same server flushes the late datagram.
      expect((await q.query(target(), question)).kind).toBe('answer');
      await ioTurn();
      const stats = q.stats();
      expect(stats.answers).toBe(2);
      expect(stats.dropped.unknownId).toBe(rotate ? 0 : 1);
      expect(stats.dropped).toMatchObject({ short: 0, wrongSource: 0, mismatch: 0, malformed: 0 });
      expect(new Set(ports()).size).toBe(rotate ? 3 : 1);
    });
  }

  it('keeps the number of open sockets bounded over many rotations and closes them all', async () => {
    const fdsBefore = openSocketFds();
    const q = open({ socketsPerFamily: 4, maxQueriesPerSocket: 5, maxSocketAgeMs: 0 });
    const concurrency = 64;
    let maxOpen = 0;
    let maxFds = 0;
    let next = 0;
    const worker = async () => {
      while (next++ < 3000) {
        expect((await q.query(target(), question)).kind).toBe('answer');
        const { opened, closed } = q.stats().sockets;
        maxOpen = Math.max(maxOpen, opened - closed);
        if (next % 100 === 0) maxFds = Math.max(maxFds, openSocketFds() - fdsBefore);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const { sockets } = q.stats();
    expect(sockets.rotated).toBeGreaterThanOrEqual(3000 / 5 - 4);
    // In service, plus retiring ones, each of which still holds a query in flight.
    expect(maxOpen).toBeLessThanOrEqual(4 + concurrency);
    expect(maxFds).toBeLessThanOrEqual(4 + concurrency);
    expect(sockets.opened - sockets.closed).toBe(4); // every retired socket closed once drained
    q.close();
    expect(q.stats().sockets.opened - q.stats().sockets.closed).toBe(0);
    expect(openSocketFds()).toBe(fdsBefore);
  });
});
