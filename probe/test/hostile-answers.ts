/**
 * Hostile answers to a probe query, for the querier fuzz and the forged-answer
 * tests: the genuine answer mutated the ways garbage and attacks look
 * (truncated headers, compression loops, lengths past the end, huge counts,
 * bad EDNS/OPT, wrong IDs, random bytes). Seeded, so a failure replays.
 */
import { decodeMessage, encodeMessage, RRType, type DnsMessage } from '@propwatch/dns';
import { type Rng, seededRng } from '../../test-support/index.js';

export { seededRng, type Rng };

const int = (rng: Rng, max: number) => Math.floor(rng() * max);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
const bytes = (rng: Rng, length: number) => Buffer.from(Array.from({ length }, () => int(rng, 256)));

/** Decodes a probe query; undefined for anything else. */
export function parseQuery(msg: Buffer): DnsMessage | undefined {
  const decoded = decodeMessage(msg);
  return decoded.ok && !decoded.message.header.qr && decoded.message.questions.length === 1
    ? decoded.message
    : undefined;
}

/** An authoritative answer to `query` serving `serial` in the canary TXT of `probeId`. */
export function canaryAnswer(
  query: DnsMessage,
  serial: bigint | string,
  probeId: string,
  id = query.header.id,
): Buffer {
  const q = query.questions[0]!;
  return encodeMessage({
    id,
    flags: { qr: true, aa: true },
    questions: [q],
    answers: [
      {
        name: q.name,
        type: RRType.TXT,
        ttl: 5,
        data: { kind: 'txt', strings: [`propwatch=1 serial=${serial} probe=${probeId}`] },
      },
    ],
    edns: { payloadSize: 1232, options: [{ code: 3, data: Buffer.from('forger') }] },
  });
}

/** Offset just past the question section of a well-formed message. */
function questionEnd(msg: Buffer): number {
  let at = 12;
  while (at < msg.length && msg[at] !== 0) at += msg[at]! + 1;
  return Math.min(msg.length, at + 5);
}

function withCounts(msg: Buffer, counts: [number, number, number, number]): Buffer {
  const out = Buffer.from(msg);
  counts.forEach((count, i) => out.writeUInt16BE(count, 4 + i * 2));
  return out;
}

/** Header + question of `genuine` followed by `rest`, with the given section counts. */
const afterQuestion = (genuine: Buffer, counts: [number, number, number, number], rest: number[]) =>
  Buffer.concat([withCounts(genuine.subarray(0, questionEnd(genuine)), counts), Buffer.from(rest)]);

type Mutation = (genuine: Buffer, rng: Rng) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  random: (_g, rng) => bytes(rng, int(rng, 600)),
  randomWithOurId: (g, rng) => Buffer.concat([g.subarray(0, 2), bytes(rng, int(rng, 500))]),
  truncatedHeader: (g, rng) => g.subarray(0, int(rng, 12)),
  cut: (g, rng) => g.subarray(0, 12 + int(rng, g.length - 12)),
  wrongId: (g, rng) => {
    const out = Buffer.from(g);
    out.writeUInt16BE((g.readUInt16BE(0) + 1 + int(rng, 0xfffe)) & 0xffff, 0);
    return out;
  },
  flips: (g, rng) => {
    const out = Buffer.from(g);
    // Bytes 0-1 (the ID) stay, so the packet reaches the decoder.
    for (let i = 0, n = 1 + int(rng, 6); i < n; i++)
      out[2 + int(rng, out.length - 2)] = pick(rng, [int(rng, 256), 0xc0, 0xff, 0x3f, 0]);
    return out;
  },
  hugeCounts: (g, rng) =>
    withCounts(g, [
      pick(rng, [1, 0xffff]),
      pick(rng, [0xffff, int(rng, 0x10000)]),
      pick(rng, [0, 0xffff]),
      pick(rng, [0, 0xffff, int(rng, 64)]),
    ]),
  compressionLoop: (g) => {
    const end = questionEnd(g);
    // The answer's owner name points at itself.
    return afterQuestion(g, [1, 1, 0, 0], [0xc0 | (end >> 8), end & 0xff, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61]);
  },
  pointerChain: (g) => {
    const end = questionEnd(g);
    // Two pointers that point at each other.
    return afterQuestion(
      g,
      [1, 1, 0, 0],
      [
        0xc0 | ((end + 2) >> 8),
        (end + 2) & 0xff,
        0xc0 | (end >> 8),
        end & 0xff,
        0,
        16,
        0,
        1,
        0,
        0,
        0,
        5,
        0,
        2,
        1,
        0x61,
      ],
    );
  },
  forwardPointer: (g, rng) =>
    afterQuestion(g, [1, 1, 0, 0], [0xc0 | int(rng, 0x40), int(rng, 256), 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 1, 0x61]),
  rdlengthPastEnd: (g) => afterQuestion(g, [1, 1, 0, 0], [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0xff, 0xff, 3, 0x61]),
  txtLengthPastEnd: (g) => afterQuestion(g, [1, 1, 0, 0], [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 3, 200, 0x61, 0x62]),
  optRdlengthPastEnd: (g) => afterQuestion(g, [1, 0, 0, 1], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0xff, 0xff, 0, 3]),
  optOptionPastEnd: (g) =>
    afterQuestion(g, [1, 0, 0, 1], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 6, 0, 3, 0xff, 0xf0, 1, 2]),
  twoOpts: (g) =>
    afterQuestion(g, [1, 0, 0, 2], [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0]),
  optWithName: (g) => afterQuestion(g, [1, 0, 0, 1], [1, 0x61, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]),
  badEdnsVersion: (g) => afterQuestion(g, [1, 0, 0, 1], [0, 0, 41, 4, 0xd0, 0, 7, 0, 0, 0, 0]),
  labelPastEnd: (g, rng) => {
    const out = Buffer.from(g);
    out[12] = 0x3f;
    return out.subarray(0, 13 + int(rng, 20));
  },
  truncatedWithJunk: (g, rng) => {
    const out = afterQuestion(g, [1, 0xffff, 0, 0], [...bytes(rng, int(rng, 40))]);
    out[2] = out[2]! | 0x02; // TC=1 with garbage after the question: the querier may retry over TCP
    return out;
  },
  trailingJunk: (g, rng) => Buffer.concat([g, bytes(rng, 1 + int(rng, 200))]),
};

export const ANSWER_MUTATIONS = Object.keys(MUTATIONS);

/** One hostile variant of `genuine`. */
export function hostileAnswer(genuine: Buffer, rng: Rng): { kind: string; packet: Buffer } {
  const kind = pick(rng, ANSWER_MUTATIONS);
  return { kind, packet: MUTATIONS[kind]!(genuine, rng) };
}
