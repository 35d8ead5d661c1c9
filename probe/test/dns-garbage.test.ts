/**
 * Garbage resistance (issue 3): hostile or broken answers never crash the
 * querier, never resolve a query, and are counted; the real answer that
 * follows them is still accepted.
 */
import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, RRClass, RRType, type DnsMessage } from '@propwatch/dns';
import { checkCanary, Querier, type QuerierStats } from '../src/querier/index.js';
import { startRawResponder, type RawResponder } from './dns-fixtures.js';

const NAME = 'p1._propwatch.propwatch.test';
const SERIAL = 77n;

function genuine(query: DnsMessage, overrides: { id?: number; name?: string; qr?: boolean } = {}): Buffer {
  const q = query.questions[0]!;
  const name = overrides.name ?? q.name;
  return encodeMessage({
    id: overrides.id ?? query.header.id,
    flags: { qr: overrides.qr ?? true, aa: true },
    questions: [{ name, type: q.type, class: q.class }],
    answers: [
      { name, type: RRType.TXT, ttl: 5, data: { kind: 'txt', strings: [`propwatch=1 serial=${SERIAL} probe=p1`] } },
    ],
  });
}

function withId(id: number, body: Buffer): Buffer {
  const out = Buffer.from(body);
  out.writeUInt16BE(id, 0);
  return out;
}

/** Header (our ID, QR=1, AA) + question + `rest`, with the given answer count. */
function handMade(query: DnsMessage, ancount: number, rest: number[]): Buffer {
  const full = genuine(query);
  const questionEnd = 12 + full.subarray(12).indexOf(0) + 1 + 4;
  const out = Buffer.concat([full.subarray(0, questionEnd), Buffer.from(rest)]);
  out.writeUInt16BE(ancount, 6);
  return out;
}

type Garbage = (query: DnsMessage) => Buffer;
const cases: [string, Garbage, keyof QuerierStats['dropped'], RegExp?][] = [
  ['a 5-byte packet', () => Buffer.from([1, 2, 3, 4, 5]), 'short'],
  [
    'random bytes with our ID',
    (q) => withId(q.header.id, Buffer.concat([Buffer.from([0, 0, 0x80, 0, 0xff, 0xff]), randomBytes(80)])),
    'malformed',
    /section counts/,
  ],
  ['a valid answer with the wrong ID', (q) => genuine(q, { id: q.header.id ^ 0x5a5a }), 'unknownId'],
  ['a valid answer to another question', (q) => genuine(q, { name: 'evil.propwatch.test' }), 'mismatch'],
  ['our own query echoed back (QR=0)', (q) => genuine(q, { qr: false }), 'mismatch'],
  ['an answer cut in the middle', (q) => genuine(q).subarray(0, genuine(q).length - 9), 'malformed', /needs \d+ bytes/],
  [
    'a compression loop',
    (q) =>
      handMade(
        q,
        1,
        [0xc0, 0x40, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61].map((b, i) => (i === 1 ? 12 + 0x40 : b)),
      ),
    'malformed',
    /points forward or loops/,
  ],
  [
    'a pointer to itself',
    (q) => {
      const b = handMade(q, 1, [0xc0, 0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61]);
      b[b.length - 13] = b.length - 14;
      return b;
    },
    'malformed',
    /points forward or loops/,
  ],
  [
    'an rdata length past the end',
    (q) => handMade(q, 1, [0, 0, 16, 0, 1, 0, 0, 0, 5, 0xff, 0xff, 3, 0x61]),
    'malformed',
    /rdata .* needs 65535 bytes/,
  ],
  [
    'a huge answer count',
    (q) => handMade(q, 0xffff, [0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61]),
    'malformed',
    /section counts/,
  ],
];

describe('garbage fixtures', () => {
  const query = decodeMessage(
    encodeMessage({ id: 4242, questions: [{ name: NAME, type: RRType.TXT, class: RRClass.IN }] }),
  );
  it.each(cases.filter((c) => c[3] !== undefined))(
    '%s is malformed for the reason it claims',
    (_what, garbage, _counter, pattern) => {
      if (!query.ok) throw new Error(query.error);
      const decoded = decodeMessage(garbage(query.message));
      expect(decoded.ok ? 'decoded' : decoded.error).toMatch(pattern!);
    },
  );
});

describe.each(['127.0.0.1', '::1'] as const)('garbage from %s', (address) => {
  let responder: RawResponder | undefined;
  let querier: Querier | undefined;
  afterEach(async () => {
    querier?.close();
    await responder?.close();
  });

  const start = async (
    reply: (query: DnsMessage, rinfo: dgram.RemoteInfo, sockets: { socket: dgram.Socket; other: dgram.Socket }) => void,
  ) => {
    responder = await startRawResponder(address, (msg, rinfo, sockets) => {
      const decoded = decodeMessage(msg);
      if (decoded.ok) reply(decoded.message, rinfo, sockets);
    });
    querier = new Querier({ bind: { v4: '127.0.0.1', v6: '::1' } });
    return { querier, target: { address: responder.address, port: responder.port } };
  };

  it.each(cases)('drops %s, counts it, and accepts the real answer after it', async (_what, garbage, counter) => {
    const { querier, target } = await start((query, rinfo, { socket }) => {
      socket.send(garbage(query), rinfo.port, rinfo.address);
      setTimeout(() => socket.send(genuine(query), rinfo.port, rinfo.address), 30);
    });
    const result = await checkCanary(querier, target, { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 3000 });
    expect(result).toMatchObject({ kind: 'hit', servedSerial: SERIAL });
    expect(querier.stats().dropped[counter]).toBe(1);
  });

  it('never lets an answer from another port resolve the query', async () => {
    const { querier, target } = await start((query, rinfo, { other }) =>
      other.send(genuine(query), rinfo.port, rinfo.address),
    );
    const result = await checkCanary(querier, target, { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 200 });
    expect(result).toMatchObject({ kind: 'failure', reason: 'timeout' });
    expect(querier.stats().dropped.wrongSource).toBe(1);
  });

  it('waits past an answer from another port for the real one', async () => {
    const { querier, target } = await start((query, rinfo, { socket, other }) => {
      other.send(genuine(query), rinfo.port, rinfo.address);
      setTimeout(() => socket.send(genuine(query), rinfo.port, rinfo.address), 30);
    });
    expect(
      await checkCanary(querier, target, { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 3000 }),
    ).toMatchObject({ kind: 'hit' });
    expect(querier.stats().dropped.wrongSource).toBe(1);
  });

  it('reports garbage (not a bare timeout) when only garbage came from the target', async () => {
    const { querier, target } = await start((query, rinfo, { socket }) =>
      socket.send(genuine(query, { name: 'evil.propwatch.test' }), rinfo.port, rinfo.address),
    );
    const result = await checkCanary(querier, target, { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 200 });
    expect(result).toMatchObject({
      kind: 'failure',
      reason: 'garbage',
      detail: expect.stringMatching(/evil\.propwatch\.test/),
    });
  });

  it('survives a flood of random datagrams and still takes the real answer', async () => {
    const { querier, target } = await start((query, rinfo, { socket }) => {
      for (let i = 0; i < 300; i++)
        socket.send(randomBytes(i % 40 === 0 ? 3 : 12 + (i % 200)), rinfo.port, rinfo.address);
      setTimeout(() => socket.send(genuine(query), rinfo.port, rinfo.address), 50);
    });
    expect(
      await checkCanary(querier, target, { name: NAME, serial: SERIAL, probeId: 'p1', timeoutMs: 3000 }),
    ).toMatchObject({ kind: 'hit' });
    const dropped = querier.stats().dropped;
    expect(dropped.short + dropped.unknownId + dropped.malformed + dropped.mismatch).toBe(300);
  });
});

describe('TCP garbage', () => {
  it('treats a TCP peer that closes mid-frame or sends junk as a failure, not a crash', async () => {
    const net = await import('node:net');
    const dgramModule = (await import('node:dgram')).default;
    let mode: 'cut' | 'junk' = 'cut';
    const tcp = net.createServer((conn) => {
      conn.once('data', (frame: Buffer) => {
        const query = decodeMessage(frame.subarray(2));
        if (!query.ok) return conn.destroy();
        const answer = genuine(query.message);
        const framed = Buffer.concat([Buffer.from([answer.length >> 8, answer.length & 0xff]), answer]);
        if (mode === 'cut') conn.end(framed.subarray(0, 20));
        else conn.end(Buffer.concat([Buffer.from([0, 40]), randomBytes(40)]));
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as { port: number }).port;
    const udp = dgramModule.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      const query = decodeMessage(msg);
      if (!query.ok) return;
      const tc = genuine(query.message);
      tc[2]! |= 0x02; // TC=1
      udp.send(tc, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
    const querier = new Querier({ bind: { v4: '127.0.0.1' } });
    try {
      const target = { address: '127.0.0.1', port };
      const question = { name: NAME, type: RRType.TXT, class: RRClass.IN };
      expect(await querier.query(target, question, { timeoutMs: 2000 })).toMatchObject({
        kind: 'failure',
        reason: 'network',
        transport: 'tcp',
        detail: expect.stringMatching(/closed after 20 bytes/),
      });
      mode = 'junk';
      expect(await querier.query(target, question, { timeoutMs: 2000 })).toMatchObject({
        kind: 'failure',
        reason: 'garbage',
        transport: 'tcp',
      });
    } finally {
      querier.close();
      udp.close();
      tcp.close();
    }
  });
});
