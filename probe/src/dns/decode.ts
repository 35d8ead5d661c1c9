/**
 * `decodeMessage`: strict DNS message decoding that never throws. Every length
 * is checked against the buffer (and RDLENGTH) end; section counts are bounded
 * by what the buffer could possibly hold before any record is read, so a
 * header claiming 65,535 records costs nothing.
 */
import { EdnsOption, RRType } from './constants.js';
import { Cursor, DecodeError } from './decode-error.js';
import type { DecodeResult, DnsHeader, DnsMessage, DnsQuestion, Edns, EdnsOptionValue, ResourceRecord } from './message-types.js';
import { readName } from './name.js';
import { decodeRdata } from './rdata.js';

export const HEADER_LENGTH = 12;
const MIN_QUESTION_LENGTH = 5; // root name + type + class
const MIN_RECORD_LENGTH = 11; // root name + type + class + ttl + rdlength

/** Decodes a whole message; `{ok: false, error}` says what is wrong and where. */
export function decodeMessage(buf: Buffer): DecodeResult {
  try {
    return { ok: true, message: decodeOrThrow(buf) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error: error.message };
    // A decoder bug must not take the probe down either; say so plainly.
    return { ok: false, error: `decoder failure (a bug, please report): ${(error as Error).message}` };
  }
}

/**
 * Decodes only the header and question section. A truncated (TC=1) UDP answer
 * may be cut anywhere after the question (RFC 2181 §9), so the TCP fallback
 * must not depend on the rest being well-formed.
 */
export function decodeQuestionPrefix(buf: Buffer): { ok: true; header: DnsHeader; questions: DnsQuestion[] } | { ok: false; error: string } {
  try {
    const header = readHeader(buf);
    const qdcount = buf.readUInt16BE(4);
    if (qdcount * MIN_QUESTION_LENGTH > buf.length - HEADER_LENGTH) throw new DecodeError(`question count ${qdcount} does not fit the message`);
    return { ok: true, header, questions: readQuestions(new Cursor(buf, HEADER_LENGTH), qdcount) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function readQuestions(cur: Cursor, qdcount: number): DnsQuestion[] {
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qdcount; i++) {
    const name = readName(cur);
    questions.push({ name, type: cur.u16('question type'), class: cur.u16('question class') });
  }
  return questions;
}

function readHeader(buf: Buffer): DnsHeader {
  if (buf.length < HEADER_LENGTH) throw new DecodeError(`message is ${buf.length} bytes, shorter than the 12-byte header`);
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
  };
}

function decodeOrThrow(buf: Buffer): DnsMessage {
  const header = readHeader(buf);
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  const nscount = buf.readUInt16BE(8);
  const arcount = buf.readUInt16BE(10);
  const minimum = qdcount * MIN_QUESTION_LENGTH + (ancount + nscount + arcount) * MIN_RECORD_LENGTH;
  if (minimum > buf.length - HEADER_LENGTH) {
    throw new DecodeError(`section counts (${qdcount}/${ancount}/${nscount}/${arcount}) need at least ${minimum} bytes, message has ${buf.length - HEADER_LENGTH}`);
  }
  const cur = new Cursor(buf, HEADER_LENGTH);
  const questions = readQuestions(cur, qdcount);
  const answers = readRecords(cur, ancount, 'answer');
  const authorities = readRecords(cur, nscount, 'authority');
  const additionals = readRecords(cur, arcount, 'additional');
  if (cur.pos !== buf.length) throw new DecodeError(`${buf.length - cur.pos} trailing bytes after the last record`);
  const message: DnsMessage = { header, questions, answers, authorities, additionals };
  let optIndex = -1;
  for (let i = 0; i < additionals.length; i++) if (additionals[i]!.type === RRType.OPT) optIndex = i;
  if (optIndex >= 0) {
    const opt = additionals[optIndex]!;
    additionals.splice(optIndex, 1);
    message.edns = decodeOpt(opt);
    header.rcode |= message.edns.extendedRcode << 4;
  }
  return message;
}

function readRecords(cur: Cursor, count: number, section: string): ResourceRecord[] {
  const records: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const name = readName(cur);
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
      if (name !== '.') throw new DecodeError(`OPT record owned by ${JSON.stringify(name)}, expected the root`);
      if (hasOpt(records)) throw new DecodeError('more than one OPT record');
    }
    const data = type === RRType.OPT ? { kind: 'raw' as const } : decodeRdata(cur.buf, type, start, end);
    records.push({ name, type, class: rrClass, ttl, rdata: cur.buf.subarray(start, end), data });
    cur.pos = end;
  }
  return records;
}

function hasOpt(records: ResourceRecord[]): boolean {
  for (const rr of records) if (rr.type === RRType.OPT) return true;
  return false;
}

function decodeOpt(opt: ResourceRecord): Edns {
  const options: EdnsOptionValue[] = [];
  let nsid: Buffer | undefined;
  const rdata = opt.rdata;
  let pos = 0;
  while (pos < rdata.length) {
    if (pos + 4 > rdata.length) throw new DecodeError(`EDNS option header at rdata offset ${pos} is cut off`);
    const code = rdata.readUInt16BE(pos);
    const length = rdata.readUInt16BE(pos + 2);
    if (pos + 4 + length > rdata.length) throw new DecodeError(`EDNS option ${code} runs past the OPT rdata`);
    const data = rdata.subarray(pos + 4, pos + 4 + length);
    options.push({ code, data });
    if (code === EdnsOption.NSID && nsid === undefined) nsid = data;
    pos += 4 + length;
  }
  const edns: Edns = {
    payloadSize: opt.class,
    extendedRcode: opt.ttl >>> 24,
    version: (opt.ttl >>> 16) & 0xff,
    dnssecOk: (opt.ttl & 0x8000) !== 0,
    options,
  };
  if (nsid !== undefined) edns.nsid = nsid;
  return edns;
}
