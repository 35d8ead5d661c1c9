/**
 * Whether a decoded response answers our question (RFC 5452 §9.1: ID, source
 * and question must all match; ID and source are checked before decoding).
 * Pure, so the rules are tested without sockets.
 */
import { className, Opcode, typeName } from './constants.js';
import type { DnsMessage } from './message-types.js';
import { canonicalName } from './name.js';
import type { PreparedQuery } from './query.js';
import { HEADER_LENGTH, type MessageLayout } from './walk.js';

/** `undefined` when the message answers `prepared`, else why it does not. */
export function mismatchReason(message: DnsMessage, prepared: PreparedQuery): string | undefined {
  const { header, questions } = message;
  if (!header.qr) return 'QR=0: a query, not a response';
  if (header.opcode !== Opcode.QUERY) return `opcode ${header.opcode}, expected QUERY`;
  // A response without the question cannot be tied to our query, even if the
  // ID matches: 16 bits alone are too easy to hit by chance or on purpose.
  if (questions.length !== 1) return `${questions.length} questions, expected 1`;
  const q = questions[0]!;
  const want = prepared.question;
  // Exact match first: most servers echo the name byte for byte, and lower-casing allocates.
  if (
    q.type !== want.type ||
    q.class !== want.class ||
    (q.name !== want.name && canonicalName(q.name) !== prepared.canonicalName)
  ) {
    return `question ${q.name} ${className(q.class)} ${typeName(q.type)} is not ${want.name} ${className(want.class)} ${typeName(want.type)}`;
  }
  return undefined;
}

/**
 * The hot path's form of `mismatchReason` for a message `scanMessage` accepted:
 * true when it is a QUERY response (QR=1) with exactly our question, the name
 * compared byte by byte with ASCII letters folded (RFC 4343; servers and DNS
 * 0x20 may change case). False means "not proven here", not "mismatch": a
 * compressed or otherwise differently encoded question goes to the full check.
 */
export function answersPrepared(msg: Buffer, layout: MessageLayout, prepared: PreparedQuery): boolean {
  // Byte 2: QR (0x80) and the 4-bit opcode (0x78) must be 1 and QUERY; exactly one question.
  if ((msg[2]! & 0xf8) !== 0x80 || msg[4] !== 0 || msg[5] !== 1) return false;
  const want = prepared.questionWire;
  if (layout.questionEnd - HEADER_LENGTH !== want.length) return false;
  const nameEnd = want.length - 4;
  for (let i = 0; i < nameEnd; i++) {
    const byte = msg[HEADER_LENGTH + i]!;
    if ((byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== want[i]) return false;
  }
  // Type and class: exact, never case-folded.
  for (let i = nameEnd; i < want.length; i++) if (msg[HEADER_LENGTH + i] !== want[i]) return false;
  return true;
}
