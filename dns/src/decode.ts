/**
 * Strict DNS message decoding that never throws. One walker validates and
 * builds: `decodeMessage` builds every name and record, `scanMessage` runs the
 * very same checks (same code, so the two cannot disagree) but builds nothing
 * and returns where the parts are, so the querier's hot path validates every
 * answer in full without allocating names or records. Every length is checked
 * against the buffer (and RDLENGTH) end; section counts are bounded by what
 * the buffer could possibly hold before any record is read, so a header
 * claiming 65,535 records costs nothing.
 */
import { RRType } from './constants.js';
import { Cursor, DecodeError, u16At } from './decode-error.js';
import { readEdns, readOptions } from './edns.js';
import type { DecodeResult, DnsHeader, DnsMessage, DnsQuestion, ResourceRecord } from './message-types.js';
import { readName } from './name.js';
import { decodeRdata } from './rdata.js';

export const HEADER_LENGTH = 12;
const MIN_QUESTION_LENGTH = 5; // root name + type + class
const MIN_RECORD_LENGTH = 11; // root name + type + class + ttl + rdlength

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

/** The built sections of a message (the OPT record lifted out of `additionals`). */
export type MessageSections = Pick<DnsMessage, 'questions' | 'answers' | 'authorities' | 'additionals'>;

/** Decodes a whole message; `{ok: false, error}` says what is wrong and where. */
export function decodeMessage(buf: Buffer): DecodeResult {
  try {
    const sections: MessageSections = { questions: [], answers: [], authorities: [], additionals: [] };
    const layout = walkMessage(buf, sections);
    const message: DnsMessage = { header: readHeader(buf, layout), ...sections };
    const edns = readEdns(buf, layout);
    if (edns) message.edns = edns;
    return { ok: true, message };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  }
}

/**
 * Validates a whole message exactly as `decodeMessage` does, building
 * nothing: the layout of a message `decodeMessage` accepts, or the same error
 * text it would give.
 */
export function scanMessage(buf: Buffer): MessageLayout | string {
  try {
    return walkMessage(buf, undefined);
  } catch (error) {
    return describeFailure(error);
  }
}

/** Builds the sections of a message `scanMessage` accepted (it throws only if the two passes disagree: a bug). */
export function buildSections(buf: Buffer): MessageSections {
  const sections: MessageSections = { questions: [], answers: [], authorities: [], additionals: [] };
  walkMessage(buf, sections);
  return sections;
}

/**
 * Decodes only the header and question section. A truncated (TC=1) UDP answer
 * may be cut anywhere after the question (RFC 2181 §9), so the TCP fallback
 * must not depend on the rest being well-formed.
 */
export function decodeQuestionPrefix(
  buf: Buffer,
): { ok: true; header: DnsHeader; questions: DnsQuestion[] } | { ok: false; error: string } {
  try {
    const header = readHeader(buf, undefined);
    const qdcount = buf.readUInt16BE(4);
    if (qdcount * MIN_QUESTION_LENGTH > buf.length - HEADER_LENGTH)
      throw new DecodeError(`question count ${qdcount} does not fit the message`);
    const questions: DnsQuestion[] = [];
    readQuestions(new Cursor(buf, HEADER_LENGTH), qdcount, questions);
    return { ok: true, header, questions };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

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

function describeFailure(error: unknown): string {
  if (error instanceof DecodeError) return error.message;
  // A decoder bug must not take the probe down either; say so plainly.
  return `decoder failure (a bug, please report): ${(error as Error).message}`;
}

/** Checks the whole message; with `out` it also builds every section into it. */
function walkMessage(buf: Buffer, out: MessageSections | undefined): MessageLayout {
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
  readRecords(cur, ancount, 'answer', out?.answers, layout);
  readRecords(cur, nscount, 'authority', out?.authorities, layout);
  readRecords(cur, arcount, 'additional', out?.additionals, layout);
  if (cur.pos !== length) throw new DecodeError(`${length - cur.pos} trailing bytes after the last record`);
  if (layout.optStart >= 0) readOptions(buf, layout, undefined);
  return layout;
}

function readQuestions(cur: Cursor, qdcount: number, out: DnsQuestion[] | undefined): void {
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
  section: string,
  out: ResourceRecord[] | undefined,
  layout: MessageLayout,
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
      const data = decodeRdata(buf, type, start, end, build);
      out?.push({ name, type, class: rrClass, ttl, rdata: buf.subarray(start, end), data });
    }
    cur.pos = end;
  }
}
