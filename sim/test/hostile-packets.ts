/**
 * Hostile DNS queries for the POP fuzz: random bytes and valid queries
 * mutated the ways real garbage and attacks look (truncated headers,
 * compression loops, lengths past the end, huge counts, bad EDNS/OPT,
 * responses instead of queries). Seeded, so a failure replays.
 */
import { buildQuery } from './dns-client.js';
import { type Rng, seededRng } from '../../test-support/index.js';

export { seededRng, type Rng };

const int = (rng: Rng, max: number) => Math.floor(rng() * max);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
const bytes = (rng: Rng, length: number) => Buffer.from(Array.from({ length }, () => int(rng, 256)));

/** Valid queries the mutations start from (TXT, SOA, NS, CHAOS, with and without EDNS/NSID). */
export function baseQueries(zone: string): Buffer[] {
  return [
    buildQuery({ name: `p1._propwatch.${zone}`, nsid: true }),
    buildQuery({ name: zone, type: 6 }),
    buildQuery({ name: zone, type: 2, ednsPayload: 512 }),
    buildQuery({ name: 'id.server', class: 3 }),
    buildQuery({ name: `x.${zone}`, type: 16, rd: true, ednsPayload: 4096, nsid: true }),
  ];
}

/** Offset of the first byte after the question (12 + name + 4), or the buffer end. */
function questionEnd(query: Buffer): number {
  let at = 12;
  while (at < query.length && query[at] !== 0) at += query[at]! + 1;
  return Math.min(query.length, at + 5);
}

type Mutation = (query: Buffer, rng: Rng) => Buffer;

/** An OPT pseudo-RR (root name, type 41) with the given class, TTL and raw RDATA, and a declared RDLENGTH. */
function opt(payload: number, ttl: number, rdata: Buffer, rdlength = rdata.length): Buffer {
  const head = Buffer.alloc(11);
  head.writeUInt16BE(41, 1);
  head.writeUInt16BE(payload, 3);
  head.writeUInt32BE(ttl >>> 0, 5);
  head.writeUInt16BE(rdlength, 9);
  return Buffer.concat([head, rdata]);
}

function withCounts(query: Buffer, counts: [number, number, number, number]): Buffer {
  const out = Buffer.from(query);
  counts.forEach((count, i) => out.writeUInt16BE(count, 4 + i * 2));
  return out;
}

const MUTATIONS: Record<string, Mutation> = {
  random: (_q, rng) => bytes(rng, int(rng, 600)),
  allFF: (_q, rng) => Buffer.alloc(12 + int(rng, 80), 0xff),
  truncatedHeader: (q, rng) => q.subarray(0, int(rng, 12)),
  cut: (q, rng) => q.subarray(0, 12 + int(rng, q.length - 12)),
  flips: (q, rng) => {
    const out = Buffer.from(q);
    for (let i = 0, n = 1 + int(rng, 6); i < n; i++)
      out[int(rng, out.length)] = pick(rng, [int(rng, 256), 0xc0, 0xff, 0x3f, 0x40, 0]);
    return out;
  },
  hugeCounts: (q, rng) =>
    withCounts(q, [
      pick(rng, [1, 0xffff, int(rng, 0x10000)]),
      pick(rng, [0, 0xffff, int(rng, 64)]),
      pick(rng, [0, 0xffff]),
      pick(rng, [0, 1, 0xffff, int(rng, 0x10000)]),
    ]),
  selfPointer: (q) => {
    const out = Buffer.from(q);
    out[12] = 0xc0; // the question name points at itself
    out[13] = 12;
    return out;
  },
  pointerLoop: (q) => {
    // Two names that point at each other: question → answer RR name → question.
    const end = questionEnd(q);
    const rr = Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 0]);
    const out = Buffer.concat([Buffer.from(q.subarray(0, end)), rr]);
    out[12] = 0xc0 | (end >> 8);
    out[13] = end & 0xff;
    return withCounts(out, [1, 1, 0, 0]);
  },
  forwardPointer: (q, rng) => {
    const out = Buffer.from(q);
    out[12] = 0xc0 | int(rng, 0x40);
    out[13] = int(rng, 256);
    return out;
  },
  labelPastEnd: (q, rng) => {
    const out = Buffer.from(q);
    out[12] = 0x3f; // a 63-octet label in a packet too short to hold it
    return out.subarray(0, 13 + int(rng, 20));
  },
  rdlengthPastEnd: (q, rng) =>
    Buffer.concat([
      withCounts(q.subarray(0, questionEnd(q)), [1, 0, 0, 1]),
      opt(1232, 0, bytes(rng, int(rng, 8)), 0xffff),
    ]),
  optionPastEnd: (q) =>
    Buffer.concat([
      withCounts(q.subarray(0, questionEnd(q)), [1, 0, 0, 1]),
      opt(1232, 0, Buffer.from([0, 3, 0xff, 0xf0, 1, 2])),
    ]),
  badEdnsVersion: (q, rng) =>
    Buffer.concat([
      withCounts(q.subarray(0, questionEnd(q)), [1, 0, 0, 1]),
      opt(int(rng, 0x10000), (1 + int(rng, 255)) << 16, Buffer.alloc(0)),
    ]),
  tinyPayload: (q, rng) =>
    Buffer.concat([
      withCounts(q.subarray(0, questionEnd(q)), [1, 0, 0, 1]),
      opt(int(rng, 512), 0, Buffer.from([0, 3, 0, 0])),
    ]),
  twoOpts: (q) =>
    Buffer.concat([
      withCounts(q.subarray(0, questionEnd(q)), [1, 0, 0, 2]),
      opt(1232, 0, Buffer.alloc(0)),
      opt(4096, 0, Buffer.from([0, 3, 0, 0])),
    ]),
  optInAnswer: (q) =>
    Buffer.concat([withCounts(q.subarray(0, questionEnd(q)), [1, 1, 0, 0]), opt(1232, 0, Buffer.alloc(0))]),
  response: (q) => {
    const out = Buffer.from(q);
    out[2] = out[2]! | 0x80;
    return out;
  },
  opcode: (q, rng) => {
    const out = Buffer.from(q);
    out[2] = (out[2]! & 0x87) | (int(rng, 16) << 3);
    return out;
  },
  trailingJunk: (q, rng) => Buffer.concat([q, bytes(rng, 1 + int(rng, 300))]),
  hugeLabelName: (q, rng) => {
    // A name of many maximal labels: past the 255-octet limit.
    const labels = Buffer.concat(
      Array.from({ length: 5 + int(rng, 5) }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])),
    );
    return Buffer.concat([q.subarray(0, 12), labels, Buffer.from([0, 0, 16, 0, 1])]);
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** One hostile packet, and the name of the mutation that made it. */
export function hostilePacket(bases: readonly Buffer[], rng: Rng): { kind: string; packet: Buffer } {
  const kind = pick(rng, MUTATION_NAMES);
  const base = Buffer.from(pick(rng, bases));
  base.writeUInt16BE(int(rng, 0x10000), 0);
  return { kind, packet: MUTATIONS[kind]!(base, rng) };
}
