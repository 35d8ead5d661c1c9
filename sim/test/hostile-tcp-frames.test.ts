/**
 * The POP's TCP path with hostile frames: a frame that does not decode (dns2's
 * parser, which the sim used before, spent over a second on 40 bytes of 0xff)
 * is counted and closes the connection, a stream cut inside a frame is
 * counted, and pipelining and half-close (RFC 7766) still work.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { FrameReader } from '@propwatch/dns';
import { buildQuery, decodeAnswer, RRType, soaSerial, type DnsMessage } from './dns-client.js';

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
  return new FrameReader().push(stream).map(decodeAnswer);
}

describe('POP over TCP with hostile frames', () => {
  it('refuses a frame of 0xff, counts it and closes the connection', async () => {
    const before = net.popStatus()[0]!.counters;
    const { received } = await exchange(frame(Buffer.alloc(40, 0xff)));
    const after = net.popStatus()[0]!.counters;
    expect(received.length).toBe(0);
    expect(after.requestErrors).toBe(before.requestErrors + 1);
    // Never counted as a query: it did not decode.
    expect(after.tcpQueries).toBe(before.tcpQueries);
  });

  it('counts a frame whose length runs past the end of the stream', async () => {
    const before = net.popStatus()[0]!.counters.requestErrors;
    await exchange(Buffer.from([0x01, 0x00, 1, 2, 3]));
    expect(net.popStatus()[0]!.counters.requestErrors).toBe(before + 1);
  });

  it('still answers pipelined queries on one connection, then half-closes', async () => {
    const queries = [
      buildQuery({ name: net.zone, type: RRType.SOA }),
      buildQuery({ name: `nope.${net.zone}` }),
      buildQuery({ name: net.zone, type: RRType.NS }),
    ];
    const { received } = await exchange(Buffer.concat(queries.map(frame)));
    const answers = messages(received);
    expect(answers.map((a) => a.header.id)).toEqual(queries.map((q) => q.readUInt16BE(0)));
    expect(soaSerial(answers[0]!)).toBe(1);
    expect(answers.every((a) => a.header.aa === true)).toBe(true);
  });

  it('answers the valid queries before a hostile frame on the same connection', async () => {
    const good = buildQuery({ name: net.zone, type: RRType.SOA });
    const { received } = await exchange(Buffer.concat([frame(good), frame(Buffer.alloc(40, 0xff)), frame(good)]));
    expect(messages(received).map((a) => a.header.id)).toEqual([good.readUInt16BE(0)]);
  });
});
