/**
 * The server side: queries as a server decodes them, responses as it encodes
 * them (echoed header fields, NSID only when asked, truncation that keeps the
 * OPT), and CHAOS identity. dig and kdig read these responses in
 * sim/test/interop.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asksIdentity,
  decodeMessage,
  decodeQuery,
  encodeMessage,
  encodeQuery,
  encodeResponse,
  identityRecord,
  PLAIN_UDP_LIMIT,
  Rcode,
  RRClass,
  RRType,
  udpPayloadLimit,
  type DnsMessage,
  type DnsQuery,
  type RecordToEncode,
} from '../src/index.js';
import { mutateAndCut } from './mutations.js';

function query(wire: Buffer): DnsQuery {
  const result = decodeQuery(wire);
  if (!result.ok) throw new Error(result.error);
  return result.query;
}

function decoded(wire: Buffer): DnsMessage {
  const result = decodeMessage(wire);
  if (!result.ok) throw new Error(result.error);
  return result.message;
}

const txt = (i: number): RecordToEncode => ({
  name: 'big.example',
  type: RRType.TXT,
  ttl: 60,
  data: { kind: 'txt', strings: [String(i % 10).repeat(200)] },
});

describe('decodeQuery', () => {
  it('reads the header fields a response echoes, the question and what the OPT asks for', () => {
    const wire = encodeQuery({
      id: 0xbeef,
      name: 'Mixed.Example',
      type: RRType.TXT,
      rd: true,
      edns: { payloadSize: 4096, nsid: true, dnssecOk: true },
    });
    expect(decodeQuery(wire)).toEqual({
      ok: true,
      query: {
        id: 0xbeef,
        opcode: 0,
        rd: true,
        cd: false,
        question: { name: 'Mixed.Example', type: RRType.TXT, class: RRClass.IN },
        edns: { payloadSize: 4096, version: 0, dnssecOk: true, nsid: true },
      },
    });
    expect(query(encodeQuery({ id: 1, name: 'a', type: RRType.A })).edns).toBeUndefined();
  });

  it.each([
    ['a response', encodeMessage({ id: 1, flags: { qr: true }, questions: [{ name: 'a', type: 1, class: 1 }] })],
    ['no question', encodeMessage({ id: 1 })],
    [
      'two questions',
      encodeMessage({
        id: 1,
        questions: [
          { name: 'a', type: 1, class: 1 },
          { name: 'b', type: 1, class: 1 },
        ],
      }),
    ],
    ['40 bytes of 0xff', Buffer.alloc(40, 0xff)],
    ['a cut header', Buffer.from([1, 2, 3])],
  ])('refuses %s with a reason', (_what, wire) => {
    const result = decodeQuery(wire);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/\w/);
  });

  it('never throws on mutated and cut queries, and accepts only what the full decoder accepts', () => {
    const base = encodeQuery({ id: 7, name: 'p1._propwatch.example', type: RRType.TXT, edns: { nsid: true } });
    const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 6 }), fc.option(fc.nat()), (mutations, cut) => {
        const wire = mutateAndCut(base, mutations, cut);
        const result = decodeQuery(wire);
        if (result.ok) expect(decodeMessage(wire).ok).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('encodeResponse', () => {
  const asked = query(
    encodeQuery({ id: 42, name: 'Big.Example', type: RRType.TXT, rd: true, edns: { payloadSize: 512, nsid: true } }),
  );

  it('echoes ID, opcode, RD and the question as asked; QR=1, RA=0; NSID only when asked', () => {
    const message = decoded(encodeResponse(asked, { aa: true, answers: [txt(1)] }, { nsid: 'pop-lhr' }));
    expect(message.header).toMatchObject({ id: 42, qr: true, aa: true, rd: true, ra: false, tc: false, rcode: 0 });
    expect(message.questions).toEqual([{ name: 'Big.Example', type: RRType.TXT, class: RRClass.IN }]);
    expect(message.edns?.nsid?.toString()).toBe('pop-lhr');
    expect(message.edns?.payloadSize).toBe(1232);
    const notAsked = query(encodeQuery({ id: 43, name: 'a.example', type: RRType.TXT, edns: { nsid: false } }));
    expect(decoded(encodeResponse(notAsked, {}, { nsid: 'pop-lhr' })).edns).toMatchObject({ options: [] });
    const noEdns = query(encodeQuery({ id: 44, name: 'a.example', type: RRType.TXT }));
    expect(decoded(encodeResponse(noEdns, {}, { nsid: 'pop-lhr' })).edns).toBeUndefined();
  });

  it('truncates to TC=1 with the question and the OPT, NSID included, when the answer does not fit (RFC 6891 §7)', () => {
    const answers = [0, 1, 2, 3].map(txt);
    const wire = encodeResponse(asked, { aa: true, answers }, { nsid: 'pop-lhr', maxLength: udpPayloadLimit(asked) });
    expect(wire.length).toBeLessThanOrEqual(512);
    const message = decoded(wire);
    expect(message.header).toMatchObject({ id: 42, tc: true, aa: true });
    expect(message.questions).toHaveLength(1);
    expect([message.answers, message.authorities, message.additionals]).toEqual([[], [], []]);
    expect(message.edns?.nsid?.toString()).toBe('pop-lhr');
    // Over TCP (the default limit) the same answer goes whole.
    expect(decoded(encodeResponse(asked, { aa: true, answers }, { nsid: 'pop-lhr' })).answers).toHaveLength(4);
  });

  it('drops the OPT rather than cut a message when even question + OPT do not fit', () => {
    const wire = encodeResponse(asked, { answers: [txt(1)] }, { nsid: Buffer.alloc(600, 0x61), maxLength: 512 });
    const message = decoded(wire);
    expect(message.header.tc).toBe(true);
    expect(message.edns).toBeUndefined();
  });

  it('carries an extended RCODE in the OPT, and refuses one it cannot carry without EDNS', () => {
    const message = decoded(encodeResponse(asked, { rcode: Rcode.BADVERS }, { nsid: 'x' }));
    expect(message.header.rcode).toBe(Rcode.BADVERS);
    const noEdns = query(encodeQuery({ id: 44, name: 'a.example', type: RRType.TXT }));
    expect(() => encodeResponse(noEdns, { rcode: Rcode.BADVERS })).toThrow('needs EDNS');
  });

  it('never exceeds the limit and always decodes, whatever the answer size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 512, max: 4096 }), (count, limit) => {
        const q = query(
          encodeQuery({ id: 9, name: 'big.example', type: RRType.TXT, edns: { payloadSize: limit, nsid: true } }),
        );
        const wire = encodeResponse(
          q,
          { aa: true, answers: Array.from({ length: count }, (_, i) => txt(i)) },
          { nsid: 'n', maxLength: udpPayloadLimit(q) },
        );
        expect(wire.length).toBeLessThanOrEqual(limit);
        expect(decodeMessage(wire).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('udpPayloadLimit', () => {
  it('is the OPT class, never below 512; 512 without EDNS (RFC 1035 §4.2.1, RFC 6891 §6.2.5)', () => {
    const at = (payloadSize?: number) =>
      udpPayloadLimit(
        query(
          encodeQuery({
            id: 1,
            name: 'a',
            type: RRType.A,
            ...(payloadSize === undefined ? {} : { edns: { payloadSize, nsid: false } }),
          }),
        ),
      );
    expect([at(), at(100), at(1232), at(65000)]).toEqual([PLAIN_UDP_LIMIT, 512, 1232, 65000]);
  });
});

describe('CHAOS identity', () => {
  it('recognises id.server and hostname.bind in class CH, TXT or ANY, any case', () => {
    const q = (name: string, type: number = RRType.TXT, qclass: number = RRClass.CH) => ({ name, type, class: qclass });
    expect([q('id.server'), q('ID.SERVER.'), q('hostname.bind', RRType.ANY)].map(asksIdentity)).toEqual([
      true,
      true,
      true,
    ]);
    expect(
      [q('version.bind'), q('id.server', RRType.A), q('id.server', RRType.TXT, RRClass.IN)].map(asksIdentity),
    ).toEqual([false, false, false]);
  });

  it('answers with a CH TXT record owned by the name as asked', () => {
    const question = { name: 'ID.Server', type: RRType.TXT, class: RRClass.CH };
    const wire = encodeResponse(query(encodeQuery({ id: 5, ...question })), {
      aa: true,
      answers: [identityRecord(question, 'pop-lhr')],
    });
    const answer = decoded(wire).answers[0]!;
    expect(answer).toMatchObject({ name: 'ID.Server', type: RRType.TXT, class: RRClass.CH, ttl: 0 });
    expect(answer.data.kind === 'txt' && answer.data.strings.map(String)).toEqual(['pop-lhr']);
  });
});
