/**
 * The querier's hot path validates answers with `scanMessage` and builds them
 * lazily (`LazyMessage`); both must agree exactly with `decodeMessage`, on
 * hostile bytes as on valid messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  LazyMessage,
  listRecords,
  renderNsid,
  RRClass,
  RRType,
  scanMessage,
  type MessageToEncode,
} from '../src/index.js';
import { mutateAndCut } from './mutations.js';

const label = fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
const record = fc.oneof(
  fc.record({
    name,
    type: fc.constant(RRType.TXT),
    ttl: fc.nat(),
    data: fc
      .array(
        fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
        { minLength: 1, maxLength: 3 },
      )
      .map((strings) => ({ kind: 'txt' as const, strings })),
  }),
  fc.record({
    name,
    type: fc.constant(RRType.NS),
    ttl: fc.nat(),
    data: name.map((target) => ({ kind: 'ns' as const, target })),
  }),
  fc.record({
    name,
    type: fc.constant(RRType.A),
    ttl: fc.nat(),
    data: fc.ipV4().map((address) => ({ kind: 'a' as const, address })),
  }),
  fc.record({
    name,
    type: fc.constant(RRType.AAAA),
    ttl: fc.nat(),
    data: fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
      .map((groups) => ({ kind: 'aaaa' as const, address: groups.map((g) => g.toString(16)).join(':') })),
  }),
  fc.record({
    name,
    type: fc.constant(RRType.SOA),
    ttl: fc.nat(),
    data: fc.record({
      kind: fc.constant('soa' as const),
      mname: name,
      rname: name,
      serial: fc.nat(),
      refresh: fc.nat(),
      retry: fc.nat(),
      expire: fc.nat(),
      minimum: fc.nat(),
    }),
  }),
);
const message: fc.Arbitrary<MessageToEncode> = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.record({ qr: fc.boolean(), aa: fc.boolean(), rcode: fc.integer({ min: 0, max: 15 }) }),
  questions: fc.array(
    fc.record({ name, type: fc.constantFrom(RRType.TXT, RRType.SOA), class: fc.constantFrom(RRClass.IN, RRClass.CH) }),
    { maxLength: 2 },
  ),
  answers: fc.array(record, { maxLength: 4 }),
  authorities: fc.array(record, { maxLength: 2 }),
  additionals: fc.array(record, { maxLength: 2 }),
  edns: fc.option(
    fc.record({
      payloadSize: fc.integer({ min: 512, max: 65535 }),
      options: fc.array(
        fc.record({
          code: fc.constantFrom(3, 10, 12),
          data: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
        }),
        { maxLength: 3 },
      ),
    }),
    { nil: undefined },
  ),
});
const mutation = fc.record({
  at: fc.nat(),
  value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0xc0), fc.constant(0x29)),
});

/** scanMessage must accept exactly what decodeMessage accepts, and give the same reason when it does not. */
function expectSameVerdict(buf: Buffer): void {
  const decoded = decodeMessage(buf);
  const scanned = scanMessage(buf);
  const verdict = decoded.ok ? { ok: true } : { ok: false, error: decoded.error };
  expect(typeof scanned === 'string' ? { ok: false, error: scanned } : { ok: true }).toEqual(verdict);
  // listRecords (what TSIG reads) runs the same walker: same verdict, and one span per record, OPT included.
  const listed = listRecords(buf);
  expect(listed.ok ? { ok: true } : { ok: false, error: listed.error }).toEqual(verdict);
  if (listed.ok && decoded.ok) {
    const { answers, authorities, additionals, edns } = decoded.message;
    const built = [...answers, ...authorities, ...additionals];
    expect(listed.records.filter((span) => span.type !== RRType.OPT).map(({ name, type }) => ({ name, type }))).toEqual(
      built.map(({ name, type }) => ({ name, type })),
    );
    expect(listed.records.length).toBe(built.length + (edns ? 1 : 0));
    expect(listed.header).toEqual(decoded.message.header);
  }
}

describe('scanMessage and listRecords against decodeMessage', () => {
  it('agrees on random bytes behind a plausible header', () => {
    const header = fc.tuple(
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 300 }), (counts, body) => {
        const head = Buffer.alloc(12);
        counts.forEach((c, i) => head.writeUInt16BE(c, 4 + i * 2));
        expectSameVerdict(Buffer.concat([head, body]));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on mutated and cut valid messages', () => {
    fc.assert(
      fc.property(message, fc.array(mutation, { maxLength: 4 }), fc.option(fc.nat()), (m, mutations, cut) => {
        expectSameVerdict(mutateAndCut(encodeMessage(m), mutations, cut));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('LazyMessage', () => {
  it('builds the same message decodeMessage builds, with the same NSID rendering', () => {
    fc.assert(
      fc.property(message, fc.uint8Array({ maxLength: 8 }), (m, nsid) => {
        const withNsid: MessageToEncode = m.edns
          ? { ...m, edns: { ...m.edns, options: [...(m.edns.options ?? []), { code: 3, data: Buffer.from(nsid) }] } }
          : m;
        const buf = encodeMessage(withNsid);
        const eager = decodeMessage(buf);
        const lazy = LazyMessage.decode(buf);
        expect(eager.ok && lazy.ok).toBe(true);
        if (!eager.ok || !lazy.ok) return;
        expect(lazy.message.header).toEqual(eager.message.header);
        expect(lazy.message.renderNsid()).toBe(
          eager.message.edns?.nsid === undefined ? undefined : renderNsid(eager.message.edns.nsid),
        );
        expect(lazy.message.edns).toEqual(eager.message.edns);
        expect(lazy.message.questions).toEqual(eager.message.questions);
        expect(lazy.message.answers).toEqual(eager.message.answers);
        expect(lazy.message.authorities).toEqual(eager.message.authorities);
        expect(lazy.message.additionals).toEqual(eager.message.additionals);
        expect(JSON.parse(JSON.stringify(lazy.message))).toEqual(JSON.parse(JSON.stringify(eager.message)));
      }),
      { numRuns: 500 },
    );
  });

  it('merges the extended RCODE from OPT into the header without building anything else', () => {
    const buf = encodeMessage({ id: 7, flags: { qr: true, rcode: 16 }, edns: {} });
    const lazy = LazyMessage.decode(buf);
    expect(lazy.ok && lazy.message.header.rcode).toBe(16);
  });

  it('refuses what decodeMessage refuses, with its reason', () => {
    const loop = Buffer.from([0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 16, 0, 1]);
    expect(LazyMessage.decode(loop)).toEqual({ ok: false, error: expect.stringMatching(/points forward or loops/) });
  });

  it('names records owned by a pointer to the question exactly as the question (escapes and case kept)', () => {
    const plain = encodeMessage({
      id: 9,
      flags: { qr: true },
      questions: [{ name: 'A\\046b.Test', type: RRType.TXT, class: RRClass.IN }],
    });
    // One TXT answer whose owner is a compression pointer to offset 12, then one whose pointer chain goes through it.
    const answers = Buffer.from([
      0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61, 1, 0x78, 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x62,
    ]);
    const buf = Buffer.concat([plain, answers]);
    buf.writeUInt16BE(2, 6);
    const lazy = LazyMessage.decode(buf);
    const eager = decodeMessage(buf);
    expect(lazy.ok && eager.ok).toBe(true);
    if (!lazy.ok || !eager.ok) return;
    expect(eager.message.answers.map((rr) => rr.name)).toEqual(['A\\046b.Test', 'x.A\\046b.Test']);
    expect(lazy.message.answers).toEqual(eager.message.answers);
  });
});
