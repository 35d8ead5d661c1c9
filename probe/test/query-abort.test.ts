/**
 * Cancellation reaches the socket: a query whose AbortSignal fires settles at
 * once as `aborted` (not at its timeout), its UDP ID leaves the socket's
 * in-flight table and is quarantined as after a timeout (a late answer cannot
 * match a newer query), its TCP connection is closed, and no timer is left.
 * Servers never answer here, and timeouts are 10 s: anything that waits for
 * them would show as a test timeout, and no assertion reads a clock.
 */
import net from 'node:net';
import { encodeMessage, peekId, prepareQuery, RRClass, RRType } from '@propwatch/dns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Querier } from '../src/querier/index.js';
import {
  openPoolSocket,
  type OpenPoolSocket,
  type PooledSocket,
  type PoolSocketOptions,
} from '../src/querier/pool-socket.js';
import { emptyStats } from '../src/querier/results.js';
import { resolveTarget, type ResolvedTarget } from '../src/querier/target-address.js';
import { UdpPool, type UdpOutcome } from '../src/querier/udp-pool.js';
import { createCanaryChecker } from '../src/round/canary-checker.js';
import { startRawResponder, type RawResponder } from './dns-fixtures.js';

const LONG = 10_000;
type MessageHandler = Parameters<OpenPoolSocket>[2];
const QUESTION = { name: 'p1._propwatch.propwatch.test', type: RRType.TXT, class: RRClass.IN };
const prepared = prepareQuery({ ...QUESTION, edns: { nsid: true } });

/** Resolves once the event loop has turned: whatever settles "at once" has settled by then. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled, without waiting for it. */
function track<T>(promise: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let settled = false;
  void promise.then(() => (settled = true));
  return { settled: () => settled, value: promise };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

let silent: RawResponder;
let target: ResolvedTarget;
beforeEach(async () => {
  // Only setTimeout/clearTimeout are faked: sockets and setImmediate stay real, and the count shows leftover timers.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  silent = await startRawResponder('127.0.0.1', () => undefined);
  const resolved = resolveTarget({ address: silent.address, port: silent.port });
  if (typeof resolved === 'string') throw new Error(resolved);
  target = resolved;
});
afterEach(async () => {
  vi.useRealTimers();
  await silent.close();
});

describe('UDP pool abort', () => {
  it('settles at once, frees the ID, quarantines it like a timeout and leaves no timer', async () => {
    const slots: PooledSocket<unknown>[] = [];
    const open: OpenPoolSocket = <P>(family: 4 | 6, options: PoolSocketOptions, onMessage: MessageHandler) => {
      const slot = openPoolSocket<P>(family, options, onMessage);
      if (typeof slot !== 'string') slots.push(slot);
      return slot;
    };
    const stats = emptyStats();
    const pool = new UdpPool(stats, { bind: { v4: '127.0.0.1' }, socketsPerFamily: 1, idQuarantineMs: 60_000 }, open);
    const controller = new AbortController();
    let outcome: UdpOutcome | undefined;
    pool.exchange(target, prepared, LONG, (result) => (outcome = result), controller.signal);
    await until(() => silent.received.length === 1, 'the query reached the server');
    const id = peekId(silent.received[0]!.msg);
    const slot = slots[0]!;
    expect(slot.inFlight.has(id)).toBe(true);
    expect(vi.getTimerCount()).toBe(1);

    controller.abort();
    expect(outcome).toMatchObject({ kind: 'error', reason: 'aborted' });
    expect(slot.inFlight.size).toBe(0);
    expect(slot.quarantineUntil?.[id]).toBeGreaterThan(performance.now() + 50_000);
    expect(vi.getTimerCount()).toBe(0);

    // The late answer to the aborted query matches nothing.
    const late = Buffer.from(silent.received[0]!.msg);
    late[2]! |= 0x84;
    silent.socket.send(late, silent.received[0]!.rinfo.port, silent.address);
    await until(() => stats.dropped.unknownId === 1, 'the late answer dropped as unknown');
    pool.close();
  });
});

describe('Querier abort', () => {
  let querier: Querier;
  beforeEach(() => {
    querier = new Querier({ bind: { v4: '127.0.0.1' }, timeoutMs: LONG });
  });
  afterEach(() => querier.close());

  it('UDP: the query settles as aborted in the same turn of the event loop, counted as aborted', async () => {
    const controller = new AbortController();
    const query = track(querier.query(target, prepared, { signal: controller.signal }));
    await until(() => silent.received.length === 1, 'the query reached the server');
    controller.abort();
    await nextTurn();
    expect(query.settled()).toBe(true);
    expect(await query.value).toMatchObject({ kind: 'failure', reason: 'aborted', transport: 'udp' });
    expect(querier.stats().failures).toMatchObject({ aborted: 1, timeout: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already aborted signal sends nothing', async () => {
    const result = await querier.query(target, prepared, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ kind: 'failure', reason: 'aborted' });
    await nextTurn();
    expect(silent.received).toHaveLength(0);
    expect(querier.stats().udpSent).toBe(0);
  });

  it('one signal aborts every query under it; queries under another signal go on', async () => {
    const round = new AbortController();
    const other = new AbortController();
    const aborted = [1, 2, 3].map(() => track(querier.query(target, prepared, { signal: round.signal })));
    const kept = track(querier.query(target, prepared, { signal: other.signal }));
    await until(() => silent.received.length === 4, 'four queries reached the server');
    round.abort();
    await nextTurn();
    expect(aborted.every((q) => q.settled())).toBe(true);
    expect(kept.settled()).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    other.abort();
    expect(await kept.value).toMatchObject({ kind: 'failure', reason: 'aborted' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('TCP: aborting during the TCP retry closes the connection and settles at once', async () => {
    // UDP answers TC=1; TCP on the same port accepts and stays silent.
    const tcpServer = net.createServer();
    const connections: net.Socket[] = [];
    let closedByClient = 0;
    tcpServer.on('connection', (socket) => {
      connections.push(socket);
      socket.resume();
      socket.on('close', () => closedByClient++);
    });
    const udp = await startRawResponder('127.0.0.1', (msg, rinfo, { socket }) => {
      socket.send(
        encodeMessage({ id: peekId(msg), flags: { qr: true, aa: true, tc: true }, questions: [QUESTION] }),
        rinfo.port,
        rinfo.address,
      );
    });
    await new Promise<void>((resolve) => tcpServer.listen(udp.port, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const query = track(
        querier.query({ address: '127.0.0.1', port: udp.port }, prepared, { signal: controller.signal }),
      );
      await until(() => connections.length === 1, 'the TCP retry connected');
      controller.abort();
      await nextTurn();
      expect(query.settled()).toBe(true);
      expect(await query.value).toMatchObject({ kind: 'failure', reason: 'aborted', transport: 'tcp' });
      await until(() => closedByClient === 1, 'the connection closed');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => tcpServer.close(resolve));
      await udp.close();
    }
  });

  it("the round's checker passes its signal down and reports an aborted check, not a failure", async () => {
    const check = createCanaryChecker(querier, { timeoutMs: LONG, nsid: true, chaosIdentity: true });
    const controller = new AbortController();
    const outcome = track<unknown>(
      check(
        { name: 'LHR', address: target.address, port: target.port },
        { name: QUESTION.name, serial: 1n, probeId: 'p1' },
        controller.signal,
      ),
    );
    await until(() => silent.received.length === 1, 'the canary query reached the server');
    controller.abort();
    await nextTurn();
    expect(outcome.settled()).toBe(true);
    expect(await outcome.value).toMatchObject({ kind: 'aborted' });
  });
});
