/**
 * Message encoding, uncompressed: queries (query.ts), server responses
 * (response.ts) and whatever tests need to send. Uncompressed names are
 * always legal and keep the encoder simple; nothing propwatch sends comes
 * near the sizes where compression would matter.
 */
import { DEFAULT_EDNS_PAYLOAD_SIZE, RRClass, RRType } from './constants.js';
import type { DnsHeader, DnsQuestion, EdnsOptionValue } from './message-types.js';
import { nameToWire } from './name.js';

export type RecordDataToEncode =
  | { kind: 'a' | 'aaaa'; address: string }
  | { kind: 'ns' | 'cname'; target: string }
  | { kind: 'txt'; strings: ReadonlyArray<Buffer | string> }
  | {
      kind: 'soa';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { kind: 'raw'; rdata: Buffer };

export interface RecordToEncode {
  name: string;
  type: number;
  class?: number;
  ttl?: number;
  data: RecordDataToEncode;
}

export interface EdnsToEncode {
  payloadSize?: number;
  version?: number;
  dnssecOk?: boolean;
  options?: ReadonlyArray<EdnsOptionValue>;
}

export interface MessageToEncode {
  id: number;
  flags?: Partial<Omit<DnsHeader, 'id'>>;
  questions?: ReadonlyArray<DnsQuestion>;
  answers?: ReadonlyArray<RecordToEncode>;
  authorities?: ReadonlyArray<RecordToEncode>;
  additionals?: ReadonlyArray<RecordToEncode>;
  edns?: EdnsToEncode;
}

/** Encodes a message; throws on values that cannot be encoded (they are programming or config errors). */
export function encodeMessage(message: MessageToEncode): Buffer {
  const f = message.flags ?? {};
  const rcode = f.rcode ?? 0;
  if (rcode > 0xf && !message.edns) throw new Error(`rcode ${rcode} needs EDNS (it does not fit the header's 4 bits)`);
  const additionals = [...(message.additionals ?? [])];
  if (message.edns) additionals.push(optRecord(message.edns, rcode >>> 4));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.id & 0xffff, 0);
  header.writeUInt16BE(
    (f.qr ? 0x8000 : 0) |
      (((f.opcode ?? 0) & 0xf) << 11) |
      (f.aa ? 0x0400 : 0) |
      (f.tc ? 0x0200 : 0) |
      (f.rd ? 0x0100 : 0) |
      (f.ra ? 0x0080 : 0) |
      (f.ad ? 0x0020 : 0) |
      (f.cd ? 0x0010 : 0) |
      (rcode & 0xf),
    2,
  );
  const questions = message.questions ?? [];
  const answers = message.answers ?? [];
  const authorities = message.authorities ?? [];
  header.writeUInt16BE(questions.length, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(authorities.length, 8);
  header.writeUInt16BE(additionals.length, 10);
  const parts: Buffer[] = [header];
  for (const q of questions) parts.push(nameToWire(q.name), u16pair(q.type, q.class));
  for (const rr of [...answers, ...authorities, ...additionals]) parts.push(...encodeRecord(rr));
  return Buffer.concat(parts);
}

function optRecord(edns: EdnsToEncode, extendedRcode: number): RecordToEncode {
  const options = edns.options ?? [];
  const rdata = Buffer.concat(options.flatMap((o) => [u16pair(o.code, o.data.length), o.data]));
  // The OPT TTL is not a TTL: extended rcode, version, DO bit (RFC 6891 §6.1.3).
  const ttl =
    ((extendedRcode & 0xff) * 0x1000000 + ((edns.version ?? 0) & 0xff) * 0x10000 + (edns.dnssecOk ? 0x8000 : 0)) >>> 0;
  return {
    name: '.',
    type: RRType.OPT,
    class: edns.payloadSize ?? DEFAULT_EDNS_PAYLOAD_SIZE,
    ttl,
    data: { kind: 'raw', rdata },
  };
}

function encodeRecord(rr: RecordToEncode): Buffer[] {
  const rdata = encodeRdata(rr.data);
  if (rdata.length > 0xffff) throw new Error(`rdata of ${rr.name} is ${rdata.length} bytes, over 65535`);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class ?? RRClass.IN, 2);
  fixed.writeUInt32BE((rr.ttl ?? 0) >>> 0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return [nameToWire(rr.name), fixed, rdata];
}

function encodeRdata(data: RecordDataToEncode): Buffer {
  switch (data.kind) {
    case 'a': {
      const octets = data.address.split('.').map(Number);
      if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
        throw new Error(`${JSON.stringify(data.address)} is not an IPv4 address`);
      return Buffer.from(octets);
    }
    case 'aaaa':
      return ipv6ToBytes(data.address);
    case 'ns':
    case 'cname':
      return nameToWire(data.target);
    case 'txt':
      return Buffer.concat(
        data.strings.map((s) => {
          const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
          if (bytes.length > 255)
            throw new Error(`TXT character-string of ${bytes.length} bytes is over 255; split it`);
          return Buffer.concat([Buffer.from([bytes.length]), bytes]);
        }),
      );
    case 'soa': {
      const counters = Buffer.alloc(20);
      [data.serial, data.refresh, data.retry, data.expire, data.minimum].forEach((v, i) =>
        counters.writeUInt32BE(v >>> 0, i * 4),
      );
      return Buffer.concat([nameToWire(data.mname), nameToWire(data.rname), counters]);
    }
    case 'raw':
      return data.rdata;
  }
}

function ipv6ToBytes(address: string): Buffer {
  const halves = address.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  const groups = halves.length === 2 ? [...head, ...Array<number>(Math.max(fill, 0)).fill(0), ...tail] : head;
  if (halves.length > 2 || groups.length !== 8 || (halves.length === 2 && fill < 1) || groups.some(Number.isNaN)) {
    throw new Error(`${JSON.stringify(address)} is not an IPv6 address (embedded IPv4 is not supported)`);
  }
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function u16pair(a: number, b: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(a, 0);
  out.writeUInt16BE(b, 2);
  return out;
}
