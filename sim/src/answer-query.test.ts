import {
  decodeQuery,
  encodeMessage,
  encodeQuery,
  Opcode,
  Rcode,
  RRClass,
  RRType,
  type DnsQuery,
  type ResponseToEncode,
} from '@propwatch/dns';
import { describe, expect, it } from 'vitest';
import { answerQuery, type AnswerContext } from './answer-query.js';

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

/** A query as the server decodes it off the wire. */
function decoded(wire: Buffer): DnsQuery {
  const result = decodeQuery(wire);
  if (!result.ok) throw new Error(result.error);
  return result.query;
}

const ask = (name: string, type: number = RRType.TXT, qclass: number = RRClass.IN): ResponseToEncode =>
  answerQuery(decoded(encodeQuery({ id: 4242, name, type, class: qclass, edns: { nsid: true } })), ctx);

describe('answerQuery', () => {
  it("answers authoritatively, case-insensitively, with the asker's case", () => {
    expect(ask('A.B.PropWatch.TEST')).toEqual({
      aa: true,
      answers: [{ name: 'A.B.PropWatch.TEST', type: RRType.TXT, ttl: 60, data: { kind: 'txt', strings: ['hello'] } }],
      additionals: [],
    });
  });

  it('a wildcard-free zone: NXDOMAIN below a TXT owner, NODATA at the empty non-terminal', () => {
    expect(ask('x.a.b.propwatch.test')).toMatchObject({ aa: true, rcode: Rcode.NXDOMAIN });
    const nodata = ask('b.propwatch.test');
    expect(nodata).toMatchObject({ aa: true, rcode: Rcode.NOERROR });
    expect(nodata.authorities?.[0]?.data).toMatchObject({ kind: 'soa', serial: 4 });
    expect(nodata.answers).toBeUndefined();
  });

  it('negative answers carry the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308)', () => {
    expect(ask('nope.propwatch.test').authorities?.[0]?.ttl).toBe(30);
  });

  it('answers an unknown opcode with NOTIMP and an EDNS version above 0 with BADVERS, without AA', () => {
    const notify = encodeMessage({
      id: 1,
      flags: { opcode: Opcode.NOTIFY },
      questions: [{ name: 'propwatch.test', type: RRType.SOA, class: RRClass.IN }],
    });
    expect(answerQuery(decoded(notify), ctx)).toEqual({ rcode: Rcode.NOTIMP });
    const version1 = encodeMessage({
      id: 2,
      questions: [{ name: 'propwatch.test', type: RRType.SOA, class: RRClass.IN }],
      edns: { version: 1 },
    });
    expect(answerQuery(decoded(version1), ctx)).toEqual({ rcode: Rcode.BADVERS });
  });

  it('CHAOS id.server and hostname.bind give the identity; other CH questions are REFUSED', () => {
    expect(ask('ID.Server', RRType.TXT, RRClass.CH)).toEqual({
      aa: true,
      answers: [
        {
          name: 'ID.Server',
          type: RRType.TXT,
          class: RRClass.CH,
          ttl: 0,
          data: { kind: 'txt', strings: ['pop-lhr.sim'] },
        },
      ],
    });
    expect(ask('hostname.bind', RRType.ANY, RRClass.CH).answers).toHaveLength(1);
    expect(ask('version.bind', RRType.TXT, RRClass.CH)).toEqual({ rcode: Rcode.REFUSED });
    expect(ask('id.server', RRType.A, RRClass.CH)).toEqual({ rcode: Rcode.REFUSED });
  });

  it('REFUSED outside the zone and for classes other than IN, ANY and CH', () => {
    expect(ask('example.com')).toEqual({ rcode: Rcode.REFUSED });
    expect(ask('propwatch.test', RRType.SOA, 4)).toEqual({ rcode: Rcode.REFUSED });
    expect(ask('xpropwatch.test')).toEqual({ rcode: Rcode.REFUSED });
  });

  it('ANY at the apex returns SOA and NS; NS adds the glue', () => {
    expect(ask('propwatch.test', RRType.ANY).answers?.map((rr) => rr.type)).toEqual([RRType.SOA, RRType.NS]);
    expect(ask('propwatch.test', RRType.NS).additionals).toEqual([
      { name: 'lhr.ns.propwatch.test', type: RRType.A, ttl: 3600, data: { kind: 'a', address: '127.0.0.1' } },
    ]);
  });
});
