/**
 * Strict DNS message decoding that never throws. One walker (walk.ts)
 * validates and builds: `decodeMessage` builds every name and record,
 * `scanMessage` runs the very same checks (same code, so the two cannot
 * disagree) but builds nothing and returns where the parts are, so the
 * querier's hot path validates every answer in full without allocating names
 * or records.
 */
import { Cursor, DecodeError } from './decode-error.js';
import { readEdns } from './edns.js';
import type { DecodeResult, DnsHeader, DnsMessage, DnsQuestion } from './message-types.js';
import {
  HEADER_LENGTH,
  MIN_QUESTION_LENGTH,
  readHeader,
  readQuestions,
  walkMessage,
  type MessageLayout,
  type MessageSections,
  type RecordSpan,
} from './walk.js';

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
 * Validates a whole message exactly as `decodeMessage` does and lists where
 * every record is, OPT included, in wire order: what TSIG needs to find,
 * check and cut off its record (RFC 8945 §5.2).
 */
export function listRecords(
  buf: Buffer,
): { ok: true; header: DnsHeader; records: RecordSpan[] } | { ok: false; error: string } {
  try {
    const sections: MessageSections = { questions: [], answers: [], authorities: [], additionals: [] };
    const records: RecordSpan[] = [];
    const layout = walkMessage(buf, sections, records);
    return { ok: true, header: readHeader(buf, layout), records };
  } catch (error) {
    return { ok: false, error: describeFailure(error) };
  }
}

/** The header alone (12 bytes suffice); RCODE without any OPT extension. */
export function decodeHeader(buf: Buffer): { ok: true; header: DnsHeader } | { ok: false; error: string } {
  if (buf.length < HEADER_LENGTH)
    return { ok: false, error: `message is ${buf.length} bytes, shorter than the 12-byte header` };
  return { ok: true, header: readHeader(buf, undefined) };
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

function describeFailure(error: unknown): string {
  if (error instanceof DecodeError) return error.message;
  // A decoder bug must not take the probe down either; say so plainly.
  return `decoder failure (a bug, please report): ${(error as Error).message}`;
}
