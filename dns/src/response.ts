/**
 * Responses for servers (the sim's POPs, test responders): header fields
 * echoed from the query, AA, the OPT record with NSID when asked (RFC 5001),
 * and truncation that keeps what must survive it. A response that does not
 * fit becomes TC=1 with the question **and the OPT record** (RFC 6891 §7), so
 * the NSID still names the instance that answered and the client knows to
 * retry over TCP; dns2's own truncation dropped the OPT.
 */
import { DEFAULT_EDNS_PAYLOAD_SIZE, EdnsOption } from './constants.js';
import { encodeMessage, type EdnsToEncode, type MessageToEncode, type RecordToEncode } from './encode.js';
import type { DnsQuery } from './server-query.js';
import { MAX_TCP_MESSAGE_LENGTH } from './tcp-framing.js';

/** RFC 1035 §4.2.1: a UDP message without EDNS carries at most 512 bytes. */
export const PLAIN_UDP_LIMIT = 512;

/** What the server answers; the encoder adds the echoed header fields, the question and the OPT. */
export interface ResponseToEncode {
  /** Full RCODE; above 15 (BADVERS) it needs a query with EDNS. */
  rcode?: number;
  aa?: boolean;
  answers?: readonly RecordToEncode[];
  authorities?: readonly RecordToEncode[];
  additionals?: readonly RecordToEncode[];
}

export interface ResponseOptions {
  /** Bytes the response may take: `udpPayloadLimit(query)` over UDP, 65,535 (the default) over TCP. */
  maxLength?: number;
  /** This server's identifier, sent when the query asked for NSID. */
  nsid?: Buffer | string;
  /** The UDP payload size this server advertises in its OPT (default 1232). */
  payloadSize?: number;
}

/** The largest UDP response the query's sender accepts (RFC 6891 §6.2.5: its OPT class, never below 512). */
export function udpPayloadLimit(query: DnsQuery): number {
  return query.edns ? Math.max(query.edns.payloadSize, PLAIN_UDP_LIMIT) : PLAIN_UDP_LIMIT;
}

/** Encodes the response to `query`; whole when it fits `maxLength`, else truncated (TC=1, question and OPT kept). */
export function encodeResponse(query: DnsQuery, response: ResponseToEncode, options: ResponseOptions = {}): Buffer {
  const maxLength = options.maxLength ?? MAX_TCP_MESSAGE_LENGTH;
  const base: MessageToEncode = {
    id: query.id,
    flags: {
      qr: true,
      opcode: query.opcode,
      aa: response.aa ?? false,
      rd: query.rd,
      cd: query.cd,
      rcode: response.rcode ?? 0,
    },
    questions: [query.question],
  };
  const edns = responseEdns(query, options);
  if (edns) base.edns = edns;
  const whole = encodeMessage({
    ...base,
    answers: response.answers ?? [],
    authorities: response.authorities ?? [],
    additionals: response.additionals ?? [],
  });
  if (whole.length <= maxLength) return whole;
  const truncated = encodeMessage({ ...base, flags: { ...base.flags, tc: true } });
  if (truncated.length <= maxLength) return truncated;
  // Only a huge NSID or a limit below 512 gets here: drop the OPT (and with it
  // any extended RCODE bits) rather than send a message cut mid-record.
  const { edns: _dropped, ...plain } = base;
  return encodeMessage({ ...plain, flags: { ...base.flags, tc: true, rcode: (response.rcode ?? 0) & 0xf } });
}

/** The OPT of the response: present only when the query had one (RFC 6891 §7), NSID only when asked. */
function responseEdns(query: DnsQuery, options: ResponseOptions): EdnsToEncode | undefined {
  if (!query.edns) return undefined;
  const nsid = options.nsid;
  return {
    payloadSize: options.payloadSize ?? DEFAULT_EDNS_PAYLOAD_SIZE,
    // RFC 3225 §3: the DO bit is copied into the response.
    dnssecOk: query.edns.dnssecOk,
    options:
      query.edns.nsid && nsid !== undefined
        ? [{ code: EdnsOption.NSID, data: typeof nsid === 'string' ? Buffer.from(nsid, 'utf8') : nsid }]
        : [],
  };
}
