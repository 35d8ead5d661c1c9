/**
 * The one walker over a DNS message that every decoder entry point in
 * decode.ts runs: it validates every length against the buffer (and RDLENGTH)
 * end, bounds the section counts by what the buffer could possibly hold before
 * any record is read (a header claiming 65,535 records costs nothing), and
 * builds names and records only when asked to.
 */
import { RRClass, RRType } from './constants.js';
import { Cursor, DecodeError, u16At } from './decode-error.js';
import { readOptions } from './edns.js';
import type { DnsHeader, DnsMessage, DnsQuestion, RecordData, ResourceRecord } from './message-types.js';
import { readName } from './name.js';
import { decodeRdata } from './rdata.js';

export const HEADER_LENGTH = 12;
export const MIN_QUESTION_LENGTH = 5; // root name + type + class
const MIN_RECORD_LENGTH = 11; // root name + type + class + ttl + rdlength
const RAW_DATA: RecordData = Object.freeze({ kind: 'raw' });

/** Where the parts of a valid message are, as `scanMessage` found them. */
export interface MessageLayout {
  /** Offset just past the question section. */
  questionEnd: number;
  /** The OPT record's RDATA span (`optStart` -1 without OPT), class (payload size) and TTL (extended rcode, version, DO). */
  optStart: number;
  optEnd: number;
  optClass: number;
  optTtl: number;
  /** The first NSID option's data span; `nsidStart` -1 when absent. */
  nsidStart: number;
  nsidEnd: number;
}

/** Where one resource record is in a message, as `listRecords` found it. */
export interface RecordSpan {
  section: 'answer' | 'authority' | 'additional';
  /** Owner name, compression resolved (root `.`). */
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Offset of the record's first byte (its owner name). */
  start: number;
  rdataStart: number;
  rdataEnd: number;
}

/** The built sections of a message (the OPT record lifted out of `additionals`). */
export type MessageSections = Pick<DnsMessage, 'questions' | 'answers' | 'authorities' | 'additionals'>;

/** The header; with a layout, RCODE includes the OPT's extended bits (RFC 6891 §6.1.3). */
export function readHeader(buf: Buffer, layout: MessageLayout | undefined): DnsHeader {
  if (buf.length < HEADER_LENGTH)
    throw new DecodeError(`message is ${buf.length} bytes, shorter than the 12-byte header`);
  const flags = u16At(buf, 2);
  const extendedRcode = layout !== undefined && layout.optStart >= 0 ? layout.optTtl >>> 24 : 0;
  return {
    id: u16At(buf, 0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: (flags & 0xf) | (extendedRcode << 4),
  };
}

/** Checks the whole message; with `out` it also builds every section into it. */
export function walkMessage(buf: Buffer, out: MessageSections | undefined, spans?: RecordSpan[]): MessageLayout {
  const length = buf.length;
  if (length < HEADER_LENGTH) throw new DecodeError(`message is ${length} bytes, shorter than the 12-byte header`);
  const qdcount = u16At(buf, 4);
  const ancount = u16At(buf, 6);
  const nscount = u16At(buf, 8);
  const arcount = u16At(buf, 10);
  const minimum = qdcount * MIN_QUESTION_LENGTH + (ancount + nscount + arcount) * MIN_RECORD_LENGTH;
  if (minimum > length - HEADER_LENGTH) {
    throw new DecodeError(
      `section counts (${qdcount}/${ancount}/${nscount}/${arcount}) need at least ${minimum} bytes, message has ${length - HEADER_LENGTH}`,
    );
  }
  const layout: MessageLayout = {
    questionEnd: 0,
    optStart: -1,
    optEnd: -1,
    optClass: 0,
    optTtl: 0,
    nsidStart: -1,
    nsidEnd: -1,
  };
  const cur = new Cursor(buf, HEADER_LENGTH);
  readQuestions(cur, qdcount, out?.questions);
  layout.questionEnd = cur.pos;
  readRecords(cur, ancount, 'answer', out?.answers, layout, spans);
  readRecords(cur, nscount, 'authority', out?.authorities, layout, spans);
  readRecords(cur, arcount, 'additional', out?.additionals, layout, spans);
  if (cur.pos !== length) throw new DecodeError(`${length - cur.pos} trailing bytes after the last record`);
  if (layout.optStart >= 0) readOptions(buf, layout, undefined);
  return layout;
}

export function readQuestions(cur: Cursor, qdcount: number, out: DnsQuestion[] | undefined): void {
  for (let i = 0; i < qdcount; i++) {
    const at = cur.pos;
    const name = readName(cur, out !== undefined);
    // Remember the first question name if it is uncompressed (ends in the root byte, not in a pointer).
    if (
      i === 0 &&
      out !== undefined &&
      cur.buf[cur.pos - 1] === 0 &&
      (cur.pos - at === 1 || (cur.buf[cur.pos - 2]! & 0xc0) !== 0xc0)
    ) {
      cur.memoAt = at;
      cur.memoName = name;
    }
    const type = cur.u16('question type');
    const qclass = cur.u16('question class');
    out?.push({ name, type, class: qclass });
  }
}

function readRecords(
  cur: Cursor,
  count: number,
  section: RecordSpan['section'],
  out: ResourceRecord[] | undefined,
  layout: MessageLayout,
  spans: RecordSpan[] | undefined,
): void {
  const buf = cur.buf;
  const build = out !== undefined;
  for (let i = 0; i < count; i++) {
    const nameAt = cur.pos;
    const name = readName(cur, build);
    // Static labels: building a message string per field would allocate on every record.
    const type = cur.u16('record type');
    const rrClass = cur.u16('record class');
    const ttl = cur.u32('record ttl');
    const rdlength = cur.u16('record rdlength');
    cur.need(rdlength, 'record rdata');
    const start = cur.pos;
    const end = start + rdlength;
    if (type === RRType.OPT) {
      // RFC 6891 §6.1.1: one OPT, owner root, additional section only.
      if (section !== 'additional') throw new DecodeError(`OPT record in the ${section} section`);
      if (name !== '.')
        throw new DecodeError(
          `OPT record owned by ${JSON.stringify(readName(new Cursor(buf, nameAt)))}, expected the root`,
        );
      if (layout.optStart >= 0) throw new DecodeError('more than one OPT record');
      layout.optStart = start;
      layout.optEnd = end;
      layout.optClass = rrClass;
      layout.optTtl = ttl;
    } else {
      // RFC 2136 §2.5.2: class ANY with no RDATA deletes an RRset of any type.
      const data = rdlength === 0 && rrClass === RRClass.ANY ? RAW_DATA : decodeRdata(buf, type, start, end, build);
      out?.push({ name, type, class: rrClass, ttl, rdata: buf.subarray(start, end), data });
    }
    spans?.push({ section, name, type, class: rrClass, ttl, start: nameAt, rdataStart: start, rdataEnd: end });
    cur.pos = end;
  }
}
