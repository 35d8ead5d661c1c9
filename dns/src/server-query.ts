/**
 * A query as a server sees it. Decoding runs the same strict, non-throwing
 * walker as every other decoder here, so a hostile datagram costs time in
 * proportion to its length (dns2's parser, which the sim used before, spent
 * seconds on 40 bytes of 0xff): whatever does not decode is refused before a
 * handler sees it.
 */
import { DecodeError } from './decode-error.js';
import { decodeQuestionPrefix, scanMessage } from './decode.js';
import type { DnsQuestion } from './message-types.js';
import { readHeader } from './walk.js';

/** What a response echoes or honours from its query. */
export interface DnsQuery {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  /** The one question (a query with none or several is refused). */
  question: DnsQuestion;
  /** The query's OPT record (RFC 6891), when it had one. */
  edns?: {
    payloadSize: number;
    version: number;
    dnssecOk: boolean;
    /** The query carried an NSID option (RFC 5001): the server's identifier is wanted. */
    nsid: boolean;
  };
}

export type QueryDecodeResult = { ok: true; query: DnsQuery } | { ok: false; error: string };

/** Validates a whole query message; the query, or why it is refused. Never throws. */
export function decodeQuery(buf: Buffer): QueryDecodeResult {
  const layout = scanMessage(buf);
  if (typeof layout === 'string') return { ok: false, error: layout };
  try {
    const header = readHeader(buf, layout);
    if (header.qr) throw new DecodeError('QR=1: a response, not a query');
    const prefix = decodeQuestionPrefix(buf);
    if (!prefix.ok) throw new DecodeError(prefix.error); // cannot happen after a clean scan
    if (prefix.questions.length !== 1) throw new DecodeError(`${prefix.questions.length} questions, expected 1`);
    const query: DnsQuery = {
      id: header.id,
      opcode: header.opcode,
      rd: header.rd,
      cd: header.cd,
      question: prefix.questions[0]!,
    };
    if (layout.optStart >= 0) {
      query.edns = {
        payloadSize: layout.optClass,
        version: (layout.optTtl >>> 16) & 0xff,
        dnssecOk: (layout.optTtl & 0x8000) !== 0,
        nsid: layout.nsidStart >= 0,
      };
    }
    return { ok: true, query };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
