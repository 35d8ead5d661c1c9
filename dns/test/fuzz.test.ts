import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeQuestionPrefix,
  encodeMessage,
  RRClass,
  RRType,
  type MessageToEncode,
} from '../src/index.js';
import { mutateAndCut } from './mutations.js';

const label = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
const txt = fc.array(
  fc.uint8Array({ maxLength: 255 }).map((b) => Buffer.from(b)),
  { minLength: 1, maxLength: 4 },
);
const record = fc.oneof(
  fc.record({
    name,
    type: fc.constant(RRType.TXT),
    ttl: fc.nat(),
    data: txt.map((strings) => ({ kind: 'txt' as const, strings })),
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
);
const message: fc.Arbitrary<MessageToEncode> = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.record({ qr: fc.boolean(), aa: fc.boolean(), tc: fc.boolean(), rcode: fc.integer({ min: 0, max: 15 }) }),
  questions: fc.array(
    fc.record({ name, type: fc.constantFrom(RRType.TXT, RRType.SOA), class: fc.constantFrom(RRClass.IN, RRClass.CH) }),
    { maxLength: 2 },
  ),
  answers: fc.array(record, { maxLength: 4 }),
  authorities: fc.array(record, { maxLength: 2 }),
  additionals: fc.array(record, { maxLength: 2 }),
  edns: fc.record({
    payloadSize: fc.integer({ min: 512, max: 65535 }),
    options: fc.array(
      fc.record({
        code: fc.integer({ min: 0, max: 0xffff }),
        data: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
      }),
      { maxLength: 2 },
    ),
  }),
});

/** Decoding must return a result, never throw, and say why when it fails. */
function assertTotal(buf: Buffer): void {
  const result = decodeMessage(buf);
  if (!result.ok) {
    expect(result.error).toMatch(/\S/);
    expect(result.error).not.toMatch(/decoder failure/);
  }
  decodeQuestionPrefix(buf);
}

describe('decodeMessage under hostile input', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => assertTotal(Buffer.from(bytes))),
      { numRuns: 5000 },
    );
  });

  it('never throws on random bytes behind a plausible header', () => {
    const header = fc.tuple(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 400 }), ([flags, qd, an, ns, ar], body) => {
        const head = Buffer.alloc(12);
        head.writeUInt16BE(flags, 2);
        [qd, an, ns, ar].forEach((c, i) => head.writeUInt16BE(c, 4 + i * 2));
        assertTotal(Buffer.concat([head, body]));
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on mutated valid messages (flipped bytes, pointer bytes, cuts)', () => {
    const mutation = fc.record({
      at: fc.nat(),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0xc0), fc.constant(0xff)),
    });
    fc.assert(
      fc.property(
        message,
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()),
        (m, mutations, cut) => {
          assertTotal(mutateAndCut(encodeMessage(m), mutations, cut));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('codec round trip', () => {
  it('decodes exactly what it encodes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const result = decodeMessage(encodeMessage(m));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const d = result.message;
        expect(d.header).toMatchObject({
          id: m.id,
          qr: m.flags!.qr,
          aa: m.flags!.aa,
          tc: m.flags!.tc,
          rcode: m.flags!.rcode,
        });
        expect(d.questions).toEqual(m.questions);
        const simplify = (rrs: ReadonlyArray<{ name: string; type: number; ttl?: number; data: unknown }>) =>
          rrs.map((rr) => ({ name: rr.name, type: rr.type, ttl: rr.ttl, data: rr.data }));
        expect(simplify(d.answers)).toEqual(simplify(m.answers!));
        expect(simplify(d.authorities)).toEqual(simplify(m.authorities!));
        expect(simplify(d.additionals)).toEqual(simplify(m.additionals!));
        expect(d.edns?.payloadSize).toBe(m.edns!.payloadSize);
        expect(d.edns?.options).toEqual(m.edns!.options);
      }),
      { numRuns: 1000 },
    );
  });
});
