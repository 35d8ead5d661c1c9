/**
 * The POP's TCP path screens frames before dns2 parses them, as its UDP path
 * does: dns2's Packet.parse spends over a second on a 40-byte frame of 0xff,
 * blocking every POP of the process. Pipelining and half-close still work.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { DnsPacket as Packet, buildQuery, soaSerial, type Packet as DnsMessage } from './dns-client.js';

let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({ pops: 1, timeScale: 0 });
});
afterAll(async () => net?.close());

const frame = (message: Buffer) => Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message]);

/** Writes `bytes`, half-closes, and collects everything until the server closes. */
function exchange(bytes: Buffer): Promise<{ received: Buffer; destroyedByServer: boolean }> {
  const pop = net.pops[0]!;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: pop.address, port: pop.port });
    const chunks: Buffer[] = [];
    let reset = false;
    socket.on('connect', () => socket.end(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? (reset = true) : reject(error),
    );
    socket.on('close', () =>
      resolve({ received: Buffer.concat(chunks), destroyedByServer: reset || chunks.length === 0 }),
    );
  });
}

/** Splits a TCP byte stream into DNS messages. */
function messages(stream: Buffer): DnsMessage[] {
  const out: DnsMessage[] = [];
  for (let at = 0; at + 2 <= stream.length; at += 2 + stream.readUInt16BE(at))
    out.push(Packet.parse(stream.subarray(at + 2, at + 2 + stream.readUInt16BE(at))));
  return out;
}

describe('POP over TCP with hostile frames', () => {
  it('refuses a frame of 0xff before dns2 parses it, counts it and closes the connection', async () => {
    const before = net.popStatus()[0]!.counters;
    const { received } = await exchange(frame(Buffer.alloc(40, 0xff)));
    const after = net.popStatus()[0]!.counters;
    expect(received.length).toBe(0);
    expect(after.requestErrors).toBe(before.requestErrors + 1);
    // Never handed to dns2's parser or the handler.
    expect(after.tcpQueries).toBe(before.tcpQueries);
  });

  it('counts a frame whose length runs past the end of the stream', async () => {
    const before = net.popStatus()[0]!.counters.requestErrors;
    await exchange(Buffer.from([0x01, 0x00, 1, 2, 3]));
    expect(net.popStatus()[0]!.counters.requestErrors).toBe(before + 1);
  });

  it('still answers pipelined queries on one connection, then half-closes', async () => {
    const queries = [
      buildQuery({ name: net.zone, type: Packet.TYPE.SOA }),
      buildQuery({ name: `nope.${net.zone}` }),
      buildQuery({ name: net.zone, type: Packet.TYPE.NS }),
    ];
    const { received } = await exchange(Buffer.concat(queries.map(frame)));
    const answers = messages(received);
    expect(answers.map((a) => a.header.id)).toEqual(queries.map((q) => q.readUInt16BE(0)));
    expect(soaSerial(answers[0]!)).toBe(1);
    expect(answers.every((a) => a.header.aa === 1)).toBe(true);
  });

  it('answers the valid queries before a hostile frame on the same connection', async () => {
    const good = buildQuery({ name: net.zone, type: Packet.TYPE.SOA });
    const { received } = await exchange(Buffer.concat([frame(good), frame(Buffer.alloc(40, 0xff)), frame(good)]));
    expect(messages(received).map((a) => a.header.id)).toEqual([good.readUInt16BE(0)]);
  });
});
