/**
 * Hostile DNS at the anycast sockets (the generator of hostile-dns.heavy.test.ts,
 * fewer packets): from a vantage's source, so every packet crosses the delay
 * path before its POP refuses it, and from an unknown source. Every packet is
 * handled and counted by the POP of the catchment, nothing stays in flight,
 * and the anycast addresses still answer correctly afterwards.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { nsidText, queryTcp, queryUdp, RRType, soaSerial } from './dns-client.js';
import { baseQueries, hostilePacket, seededRng } from './hostile-packets.js';
import { waitFor } from './wait-for.js';

let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({
    pops: 2,
    seed: 4,
    timeScale: 0,
    vantages: [{ name: 'near', sources: ['127.0.1.1'], rttMs: 4, jitterMs: 2, catchment: { ns1: 'SJC', ns2: 'LAX' } }],
  });
});
afterAll(() => net?.close());

const handled = () =>
  net.popStatus().reduce((sum, p) => sum + p.counters.udpQueries + p.counters.tcpQueries + p.counters.requestErrors, 0);
const near = () => net.vantages().find((v) => v.name === 'near')!.counters;

/** Sends `count` hostile datagrams in batches the receive buffer holds; returns how many the POPs handled. */
async function floodUdp(source: string, count: number, seed: number): Promise<number> {
  const rng = seededRng(seed);
  const bases = baseQueries(net.zone);
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, source, resolve));
  const start = handled();
  for (let sent = 0; sent < count; sent += 200) {
    for (let i = 0; i < 200; i++) {
      const target = net.anycast[(sent + i) % 2]!;
      socket.send(hostilePacket(bases, rng).packet, target.port, target.address);
    }
    // Loopback loses a datagram only when a receive buffer overflows; the slack keeps one loss from hanging the test.
    await waitFor(() => handled() - start >= sent + 198, `${sent + 200} datagrams handled`, 10_000).catch(
      () => undefined,
    );
  }
  socket.close();
  return handled() - start;
}

function tcpConnection(source: string, frames: Buffer[]): Promise<void> {
  const target = net.anycast[frames.length % 2]!;
  return new Promise((resolve) => {
    const socket = connect({ host: target.address, port: target.port, localAddress: source });
    const timer = setTimeout(() => socket.destroy(), 500);
    socket.on('connect', () =>
      socket.end(Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([f.length >> 8, f.length & 0xff]), f])))),
    );
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('anycast sockets under hostile DNS', () => {
  it('handle hostile datagrams and frames from a vantage and an unknown source, then still answer right', async () => {
    const errorsBefore = net.popStatus().reduce((sum, p) => sum + p.counters.requestErrors, 0);
    expect(await floodUdp('127.0.1.1', 3000, 1)).toBeGreaterThanOrEqual(2970);
    expect(await floodUdp('127.0.0.1', 1000, 2)).toBeGreaterThanOrEqual(990);
    const rng = seededRng(3);
    const bases = baseQueries(net.zone);
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, c) =>
          tcpConnection(
            c % 2 ? '127.0.1.1' : '127.0.0.1',
            Array.from({ length: 1 + Math.floor(rng() * 8) }, () => hostilePacket(bases, rng).packet),
          ),
        ),
      );
    }
    await waitFor(() => near().pending === 0, 'nothing in flight');
    expect(near()).toMatchObject({ overflow: 0, lost: 0, pendingBytes: 0 });
    expect(near().queries).toBeGreaterThanOrEqual(3000);
    const errorsAfter = net.popStatus().reduce((sum, p) => sum + p.counters.requestErrors, 0);
    expect(errorsAfter - errorsBefore).toBeGreaterThan(1000);
    for (const [source, transport] of [
      ['127.0.1.1', 'udp'],
      ['127.0.1.1', 'tcp'],
      ['127.0.0.1', 'udp'],
    ] as const) {
      for (const [i, target] of net.anycast.entries()) {
        const query = transport === 'udp' ? queryUdp : queryTcp;
        const answer = await query(target.address, target.port, {
          name: net.zone,
          type: RRType.SOA,
          nsid: true,
          source,
        });
        expect(answer?.header.aa).toBe(true);
        expect(soaSerial(answer!)).toBe(1);
        expect(nsidText(answer!)).toBe(net.pops[i]!.nsid);
      }
    }
  });
});
