/**
 * Whether a decoded response answers our question (RFC 5452 §9.1: ID, source
 * and question must all match; ID and source are checked before decoding).
 * Pure, so the rules are tested without sockets.
 */
import { canonicalName, className, Opcode, typeName, type DnsMessage, type PreparedQuery } from '../dns/index.js';

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
  if (q.type !== want.type || q.class !== want.class || (q.name !== want.name && canonicalName(q.name) !== prepared.canonicalName)) {
    return `question ${q.name} ${className(q.class)} ${typeName(q.type)} is not ${want.name} ${className(want.class)} ${typeName(want.type)}`;
  }
  return undefined;
}
