import { Packet } from 'dns2';
import { describe, expect, it } from 'vitest';
import {
  decodeHeader,
  decodeMessage,
  peekId,
  peekTruncated,
  stampId,
  decodeQuestionPrefix,
  describeNsid,
  encodeMessage,
  encodeQuery,
  nameToWire,
  prepareQuery,
  Rcode,
  rcodeName,
  renderNsid,
  RRClass,
  RRType,
  stampQuery,
  type DnsMessage,
} from '../src/index.js';

function decodeOk(buf: Buffer): DnsMessage {
  const result = decodeMessage(buf);
  if (!result.ok) throw new Error(`expected a valid message: ${result.error}`);
  return result.message;
}

function decodeError(buf: Buffer): string {
  const result = decodeMessage(buf);
  if (result.ok) throw new Error('expected a decode error');
  return result.error;
}

/** Header with the given counts followed by `body`. */
function raw(counts: [number, number, number, number], body: number[], flags = 0x8400): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x1234, 0);
  header.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => header.writeUInt16BE(c, 4 + i * 2));
  return Buffer.concat([header, Buffer.from(body)]);
}

describe('encodeQuery', () => {
  it('writes the exact bytes dig would for an RD=0 TXT query with NSID', () => {
    const wire = encodeQuery({ id: 0xabcd, name: 'p1._propwatch.example.', type: RRType.TXT, edns: { nsid: true } });
    const expected = Buffer.concat([
      Buffer.from('abcd0000000100000000000102', 'hex').subarray(0, 12),
      nameToWire('p1._propwatch.example'),
      Buffer.from('00100001', 'hex'),
      // OPT: root, type 41, class 1232, ttl 0, rdlen 4, NSID option code 3 length 0
      Buffer.from('00002904d000000000000400030000', 'hex'),
    ]);
    expect(wire.toString('hex')).toBe(expected.toString('hex'));
  });

  it('is parsed by dns2 as the same question', () => {
    const wire = encodeQuery({
      id: 7,
      name: 'Example.TEST',
      type: RRType.SOA,
      class: RRClass.CH,
      rd: true,
      edns: { nsid: true },
    });
    const parsed = Packet.parse(wire);
    expect(parsed.header.id).toBe(7);
    expect(parsed.header.rd).toBe(1);
    expect(parsed.questions[0]).toMatchObject({ name: 'Example.TEST', type: RRType.SOA, class: RRClass.CH });
  });

  it('stamps only the ID into a prepared query, leaving the template untouched', () => {
    const prepared = prepareQuery({ name: 'a.example', type: RRType.A, edns: { nsid: false } });
    const one = stampQuery(prepared, 1);
    const two = stampQuery(prepared, 0xfffe);
    expect(one.readUInt16BE(0)).toBe(1);
    expect(two.readUInt16BE(0)).toBe(0xfffe);
    expect(one.subarray(2)).toEqual(two.subarray(2));
    expect(prepared.wire.readUInt16BE(0)).toBe(0);
    expect(prepared.canonicalName).toBe('a.example');
  });

  it('rejects names that cannot exist', () => {
    expect(() => nameToWire(`${'a'.repeat(64)}.example`)).toThrow(/longer than 63/);
    expect(() => nameToWire(Array(130).fill('ab').join('.'))).toThrow(/longer than 255/);
    expect(() => nameToWire('a..b')).toThrow(/empty label/);
  });
});

describe('decodeMessage round trip', () => {
  it('decodes every record kind it encodes, with OPT lifted out', () => {
    const wire = encodeMessage({
      id: 99,
      flags: { qr: true, aa: true, rd: false, ra: true, rcode: Rcode.BADVERS },
      questions: [{ name: 'zone.test', type: RRType.SOA, class: RRClass.IN }],
      answers: [
        {
          name: 'zone.test',
          type: RRType.SOA,
          ttl: 60,
          data: {
            kind: 'soa',
            mname: 'ns1.zone.test',
            rname: 'hostmaster.zone.test',
            serial: 4_000_000_000,
            refresh: 1,
            retry: 2,
            expire: 3,
            minimum: 4,
          },
        },
        {
          name: 'zone.test',
          type: RRType.TXT,
          data: { kind: 'txt', strings: ['propwatch=1 serial=5 probe=p1', Buffer.from([0, 255, 10])] },
        },
        { name: 'www.zone.test', type: RRType.CNAME, data: { kind: 'cname', target: 'zone.test' } },
      ],
      authorities: [{ name: 'zone.test', type: RRType.NS, ttl: 300, data: { kind: 'ns', target: 'lhr.ns.zone.test' } }],
      additionals: [
        { name: 'lhr.ns.zone.test', type: RRType.A, data: { kind: 'a', address: '192.0.2.1' } },
        { name: 'lhr.ns.zone.test', type: RRType.AAAA, data: { kind: 'aaaa', address: '2001:db8::1' } },
        { name: 'x.zone.test', type: 99, data: { kind: 'raw', rdata: Buffer.from('beef', 'hex') } },
      ],
      edns: { payloadSize: 4096, dnssecOk: true, options: [{ code: 3, data: Buffer.from('lhr-1') }] },
    });
    const m = decodeOk(wire);
    expect(m.header).toMatchObject({
      id: 99,
      qr: true,
      aa: true,
      rd: false,
      ra: true,
      tc: false,
      rcode: Rcode.BADVERS,
    });
    expect(rcodeName(m.header.rcode)).toBe('BADVERS');
    expect(m.questions).toEqual([{ name: 'zone.test', type: RRType.SOA, class: RRClass.IN }]);
    expect(m.answers.map((rr) => rr.data)).toEqual([
      {
        kind: 'soa',
        mname: 'ns1.zone.test',
        rname: 'hostmaster.zone.test',
        serial: 4_000_000_000,
        refresh: 1,
        retry: 2,
        expire: 3,
        minimum: 4,
      },
      { kind: 'txt', strings: [Buffer.from('propwatch=1 serial=5 probe=p1'), Buffer.from([0, 255, 10])] },
      { kind: 'cname', target: 'zone.test' },
    ]);
    expect(m.authorities[0]).toMatchObject({
      name: 'zone.test',
      ttl: 300,
      data: { kind: 'ns', target: 'lhr.ns.zone.test' },
    });
    expect(m.additionals.map((rr) => rr.data)).toEqual([
      { kind: 'a', address: '192.0.2.1' },
      { kind: 'aaaa', address: '2001:db8::1' },
      { kind: 'raw' },
    ]);
    expect(m.additionals[2]!.rdata).toEqual(Buffer.from('beef', 'hex'));
    expect(m.edns).toMatchObject({ payloadSize: 4096, dnssecOk: true, version: 0, extendedRcode: 1 });
    expect(m.edns?.nsid?.toString()).toBe('lhr-1');
  });

  it('decodes what dns2 encodes, including its compression pointers', () => {
    const response = new Packet();
    response.header.id = 5;
    response.header.qr = 1;
    response.header.aa = 1;
    response.questions.push({ name: 'p1._propwatch.zone.test', type: RRType.TXT, class: RRClass.IN } as never);
    for (const text of ['propwatch=1 serial=42 probe=p1', 'v=spf1 -all']) {
      response.answers.push({
        name: 'p1._propwatch.zone.test',
        type: RRType.TXT,
        class: RRClass.IN,
        ttl: 5,
        data: text,
      } as never);
    }
    response.authorities.push({
      name: 'zone.test',
      type: RRType.NS,
      class: RRClass.IN,
      ttl: 5,
      ns: 'ns1.zone.test',
    } as never);
    const m = decodeOk(response.toBuffer());
    expect(m.answers.map((rr) => rr.data.kind === 'txt' && rr.data.strings.map(String))).toEqual([
      ['propwatch=1 serial=42 probe=p1'],
      ['v=spf1 -all'],
    ]);
    expect(m.answers[1]!.name).toBe('p1._propwatch.zone.test');
    expect(m.authorities[0]!.data).toEqual({ kind: 'ns', target: 'ns1.zone.test' });
  });

  it('escapes dots, backslashes and binary bytes inside labels', () => {
    const m = decodeOk(raw([1, 0, 0, 0], [3, 0x61, 0x2e, 0x00, 1, 0x5c, 0, 0, 1, 0, 1]));
    expect(m.questions[0]!.name).toBe('a\\046\\000.\\092');
    expect(nameToWire('a\\046\\000.\\092')).toEqual(Buffer.from([3, 0x61, 0x2e, 0x00, 1, 0x5c, 0]));
  });
});

describe('decodeMessage rejects malformed input', () => {
  it.each([
    ['a short header', Buffer.from([1, 2, 3]), /shorter than the 12-byte header/],
    ['a compression loop', raw([1, 0, 0, 0], [0xc0, 12, 0, 1, 0, 1]), /points forward or loops/],
    ['a forward pointer', raw([1, 0, 0, 0], [0xc0, 20, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0]), /points forward/],
    [
      'a two-step pointer cycle',
      raw([2, 0, 0, 0], [1, 0x61, 0, 0, 1, 0, 1, 1, 0x62, 0xc0, 19, 0, 1, 0, 1]),
      /points forward or loops/,
    ],
    ['a label past the end', raw([1, 0, 0, 0], [10, 0x61, 0x62, 0x63, 0x64]), /runs past the end/],
    ['a reserved label type', raw([1, 0, 0, 0], [0x40, 0, 0, 1, 0, 1]), /reserved label type/],
    [
      'a name over 255 bytes',
      raw(
        [1, 0, 0, 0],
        [
          ...Array(5)
            .fill([63, ...Array(63).fill(0x61)])
            .flat(),
          0,
          0,
          1,
          0,
          1,
        ],
      ),
      /longer than 255/,
    ],
    ['huge section counts', raw([0, 0xffff, 0xffff, 0xffff], [0, 0, 1]), /section counts/],
    ['rdata past the end', raw([0, 1, 0, 0], [0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 50, 4, 0x61]), /rdata .* needs 50 bytes/],
    [
      'a TXT string past RDLENGTH',
      raw([0, 1, 0, 0], [0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 2, 5, 0x61]),
      /runs past RDLENGTH/,
    ],
    ['an A record of 3 bytes', raw([0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /expected 4/],
    ['trailing bytes', raw([0, 0, 0, 0], [1, 2]), /trailing bytes/],
    [
      'two OPT records',
      raw([0, 0, 0, 2], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]),
      /more than one OPT/,
    ],
    [
      'an OPT option past its rdata',
      raw([0, 0, 0, 1], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 9]),
      /runs past the OPT rdata/,
    ],
    [
      'an OPT in the answer section',
      raw([0, 1, 0, 0], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]),
      /OPT record in the answer/,
    ],
  ])('%s', (_what, buf, pattern) => {
    expect(decodeError(buf)).toMatch(pattern);
  });

  it('still reads the question of a truncated answer cut mid-record', () => {
    const full = encodeMessage({
      id: 1,
      flags: { qr: true, tc: true },
      questions: [{ name: 'big.test', type: RRType.TXT, class: RRClass.IN }],
      answers: [{ name: 'big.test', type: RRType.TXT, data: { kind: 'txt', strings: ['x'.repeat(200)] } }],
    });
    const cut = full.subarray(0, 60);
    expect(decodeMessage(cut).ok).toBe(false);
    const prefix = decodeQuestionPrefix(cut);
    expect(prefix.ok && prefix.header.tc && prefix.questions[0]?.name).toBe('big.test');
  });
});

describe('NSID rendering', () => {
  it('shows printable NSIDs as text and binary ones as hex, like dig', () => {
    expect(renderNsid(Buffer.from('lhr-1.anycast'))).toBe('lhr-1.anycast');
    expect(renderNsid(Buffer.from([0xde, 0xad, 0x00, 0x01]))).toBe('dead0001');
    expect(renderNsid(Buffer.alloc(0))).toBe('');
    expect(describeNsid(Buffer.from('ab\n'))).toBe('61 62 0a ("ab.")');
  });
});

describe('header fields without decoding', () => {
  it('peeks and stamps the ID and reads TC as the full decoder does', () => {
    const wire = encodeMessage({ id: 0x1234, flags: { qr: true, tc: true } });
    expect(peekId(wire)).toBe(0x1234);
    expect(peekTruncated(wire)).toBe(true);
    stampId(wire, 0xfedc);
    expect(decodeHeader(wire)).toEqual({
      ok: true,
      header: expect.objectContaining({ id: 0xfedc, tc: true, qr: true }),
    });
    expect(peekTruncated(encodeMessage({ id: 1 }))).toBe(false);
  });

  it('decodeHeader refuses fewer than 12 bytes with a reason', () => {
    expect(decodeHeader(Buffer.alloc(11))).toEqual({
      ok: false,
      error: 'message is 11 bytes, shorter than the 12-byte header',
    });
  });
});
