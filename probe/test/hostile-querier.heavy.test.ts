/**
 * Hostile DNS against the probe's querier (issue 9, item 1): every query is
 * answered by a burst of hostile packets (see hostile-answers.ts) — mutated
 * answers with our ID from the target, wrong IDs, the genuine answer from
 * another port and from another address with the target's port — before the
 * genuine answer; TC=1 garbage sends it to a TCP listener that answers with
 * hostile frames too. Over 100,000 packets: the querier never throws, every
 * query settles within its deadline, nothing blocks the event loop for long,
 * the heap after a full GC stays flat, and the querier still measures
 * correctly afterwards.
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCanary, Querier } from '../src/querier/index.js';
import { canaryAnswer, hostileAnswer, parseQuery, seededRng, type Rng } from './hostile-answers.js';
import { heapAfterGc, bindUdp } from '../../test-support/index.js';

const NAME = 'p1._propwatch.propwatch.test';
const SERIAL = 1_732_200_000_000n;
const BURST = 40;
const PACKETS = 100_000;
const MAX_BLOCK_MS = 500;
const MAX_HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

interface Hostile {
  port: number;
  sent: number;
  tcpFrames: number;
  burst: number;
  rng: Rng;
  close(): Promise<void>;
}

/**
 * The target (127.0.0.1:port, UDP and TCP), a socket on another port and one on 127.0.0.2 with the target's port.
 * The UDP port is chosen by the OS; the same TCP port may be taken, so a few attempts are made.
 */
async function startHostileServer(seed: number): Promise<Hostile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStartHostileServer(seed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}

async function tryStartHostileServer(seed: number): Promise<Hostile> {
  const target = await bindUdp('127.0.0.1', 0);
  const port = target.address().port;
  const otherPort = await bindUdp('127.0.0.1', 0);
  const otherAddress = await bindUdp('127.0.0.2', port);
  const state: Hostile = {
    port,
    sent: 0,
    tcpFrames: 0,
    burst: BURST,
    rng: seededRng(seed),
    close: async () => undefined,
  };
  target.on('message', (msg, rinfo) => {
    const query = parseQuery(msg);
    if (!query) return;
    const genuine = canaryAnswer(query, SERIAL, 'p1');
    for (let i = 0; i < state.burst; i++) {
      if (i % 10 === 0) otherPort.send(genuine, rinfo.port, rinfo.address);
      else if (i % 10 === 1) otherAddress.send(genuine, rinfo.port, rinfo.address);
      else target.send(hostileAnswer(genuine, state.rng).packet, rinfo.port, rinfo.address);
    }
    target.send(genuine, rinfo.port, rinfo.address);
    state.sent += state.burst + 1;
  });
  const tcp = net.createServer((conn) => {
    conn.on('error', () => undefined);
    conn.once('data', (frame: Buffer) => {
      const query = parseQuery(frame.subarray(2));
      if (!query) return conn.destroy();
      const genuine = canaryAnswer(query, SERIAL, 'p1');
      const answer = state.rng() < 0.5 ? genuine : hostileAnswer(genuine, state.rng).packet;
      // Sometimes the length prefix lies about what follows.
      const length = state.rng() < 0.2 ? Math.floor(state.rng() * 0x10000) : answer.length;
      state.tcpFrames++;
      conn.end(Buffer.concat([Buffer.from([length >> 8, length & 0xff]), answer]));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    for (const socket of [target, otherPort, otherAddress]) socket.close();
    throw error;
  }
  state.close = async () => {
    for (const socket of [target, otherPort, otherAddress])
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  };
  return state;
}

let server: Hostile;
let querier: Querier;
const figures: Record<string, unknown> = {};
beforeAll(async () => {
  server = await startHostileServer(9);
  querier = new Querier({ bind: { v4: '127.0.0.1' } });
});
afterAll(async () => {
  console.info('[hostile-dns querier figures]', JSON.stringify(figures));
  querier?.close();
  await server?.close();
});

/** Polls until `packets` hostile packets went out, `workers` queries at a time; tallies outcomes. */
async function pollUnderFire(packets: number, workers = 8): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const start = server.sent;
  const worker = async () => {
    while (server.sent - start < packets) {
      const result = await checkCanary(
        querier,
        { address: '127.0.0.1', port: server.port },
        { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 1000 },
      );
      const key = result.kind === 'failure' ? `failure:${result.reason}` : result.kind;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

describe('the querier under hostile DNS', () => {
  it('survives 100,000+ hostile packets: no throw, no hang, no leak, and still measures correctly', async () => {
    await pollUnderFire(5_000);
    const heapBefore = heapAfterGc();
    const statsBefore = querier.stats();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    const sentBefore = server.sent;
    const tcpBefore = server.tcpFrames;
    const outcomes = await pollUnderFire(PACKETS);
    loop.disable();
    const stats = querier.stats();
    const heapAfter = heapAfterGc();
    const dropped = (Object.keys(stats.dropped) as (keyof typeof stats.dropped)[]).reduce(
      (sum, key) => sum + stats.dropped[key] - statsBefore.dropped[key],
      0,
    );
    const queries = Object.values(outcomes).reduce((a, b) => a + b, 0);
    Object.assign(figures, {
      udpPacketsSent: server.sent - sentBefore,
      tcpFramesSent: server.tcpFrames - tcpBefore,
      queries,
      outcomes,
      droppedByQuerier: dropped,
      wrongSource: stats.dropped.wrongSource - statsBefore.dropped.wrongSource,
      seconds: ((performance.now() - started) / 1000).toFixed(1),
      maxEventLoopBlockMs: (loop.max / 1e6).toFixed(1),
      heapBeforeMB: (heapBefore / 2 ** 20).toFixed(2),
      heapAfterMB: (heapAfter / 2 ** 20).toFixed(2),
    });
    expect(server.sent - sentBefore).toBeGreaterThanOrEqual(PACKETS);
    // Every datagram that reached the querier either settled a query or was counted as dropped.
    expect(dropped + queries).toBeGreaterThanOrEqual((server.sent - sentBefore) * 0.95);
    // The genuine answer from another port or address never counts: one in ten of every burst, each dropped.
    expect(stats.dropped.wrongSource - statsBefore.dropped.wrongSource).toBeGreaterThanOrEqual(queries * 2 * 0.95);
    expect(outcomes.hit ?? 0).toBeGreaterThan(0);
    expect(
      Object.keys(outcomes).every((key) =>
        /^(hit|miss|failure:(garbage|network|rcode|servfail|refused|truncated|timeout|malformed-canary|not-authoritative))$/.test(
          key,
        ),
      ),
      JSON.stringify(outcomes),
    ).toBe(true);
    expect(loop.max / 1e6).toBeLessThan(MAX_BLOCK_MS);
    expect(heapAfter - heapBefore).toBeLessThan(MAX_HEAP_GROWTH_BYTES);

    // Afterwards, with the garbage stopped, every query is a clean hit with the target's NSID.
    server.burst = 0;
    for (let i = 0; i < 20; i++) {
      const result = await checkCanary(
        querier,
        { address: '127.0.0.1', port: server.port },
        { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 1000 },
      );
      expect(result).toMatchObject({ kind: 'hit', servedSerial: SERIAL, nsid: 'forger' });
    }
  });
});
