import dns2 from 'dns2';
import { describe, expect, it } from 'vitest';
import { RCODE, answerQuery, type AnswerContext } from './answer-query.js';
import { findNsid, nsidOption } from './nsid-codec.js';
import { isPlausibleQuery } from './pop-server.js';

const { Packet } = dns2;
const ctx: AnswerContext = {
  zone: 'propwatch.test',
  identity: 'pop-lhr.sim',
  nameservers: [{ name: 'lhr.ns.propwatch.test', address: '127.0.0.1' }],
  snapshot: {
    version: 3,
    serial: 4,
    committedAt: { monotonicMs: 0, epochMs: 0 },
    txt: new Map([['a.b.propwatch.test', [{ ttl: 60, strings: ['hello'] }]]]),
  },
};
const query = (name: string, type: number = Packet.TYPE.TXT, mutate?: (p: dns2.Packet) => void) => {
  const packet = new Packet();
  packet.header.id = 4242;
  packet.questions.push({ name, type, class: Packet.CLASS.IN } as dns2.Packet.Question);
  mutate?.(packet);
  // Round-trip through the wire format, as a server sees it.
  return answerQuery(Packet.parse(packet.toBuffer()), ctx);
};

describe('answerQuery', () => {
  it("matches the ID and question, is case-insensitive and keeps the asker's case", () => {
    const answer = query('A.B.PropWatch.TEST');
    expect(answer.header.id).toBe(4242);
    expect(answer.questions[0]?.name).toBe('A.B.PropWatch.TEST');
    expect(answer.answers[0]?.data).toEqual(['hello']);
  });

  it('a wildcard-free zone: NXDOMAIN below a TXT owner, NODATA at the empty non-terminal', () => {
    expect(query('x.a.b.propwatch.test').header.rcode).toBe(RCODE.NXDOMAIN);
    const nodata = query('b.propwatch.test');
    expect([nodata.header.rcode, nodata.answers.length, nodata.authorities[0]?.serial]).toEqual([RCODE.NOERROR, 0, 4]);
  });

  it('negative answers carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308)', () => {
    expect(query('nope.propwatch.test').authorities[0]?.ttl).toBe(30);
  });

  it('answers an unknown opcode with NOTIMP and an EDNS version above 0 with BADVERS', () => {
    expect(query('propwatch.test', Packet.TYPE.SOA, (p) => (p.header.opcode = 2)).header.rcode).toBe(RCODE.NOTIMP);
    const badvers = query('propwatch.test', Packet.TYPE.SOA, (p) => {
      const opt = Packet.Resource.EDNS([nsidOption()]) as dns2.Packet.Resource & { ttl: number };
      opt.ttl = 1 << 16; // version 1
      p.additionals.push(opt);
    });
    const wire = Packet.parse(badvers.toBuffer());
    expect(wire.header.rcode).toBe(RCODE.BADVERS);
    expect(findNsid(wire)?.data.toString()).toBe('pop-lhr.sim');
  });

  it('ANY at the apex returns SOA and NS', () => {
    const types = query('propwatch.test', Packet.TYPE.ANY).answers.map((rr) => rr.type);
    expect(types).toEqual([Packet.TYPE.SOA, Packet.TYPE.NS]);
  });
});

describe('isPlausibleQuery', () => {
  it('accepts a real query and rejects responses, short packets and impossible counts', () => {
    const packet = new Packet();
    packet.questions.push({ name: 'propwatch.test', type: 6, class: 1 } as dns2.Packet.Question);
    const wire = packet.toBuffer();
    expect(isPlausibleQuery(wire)).toBe(true);
    const response = Buffer.from(wire);
    response[2]! |= 0x80;
    expect(isPlausibleQuery(response)).toBe(false);
    expect(isPlausibleQuery(Buffer.alloc(40, 0xff))).toBe(false);
    expect(isPlausibleQuery(wire.subarray(0, 12))).toBe(false);
  });
});
