/**
 * Queries. A question is encoded once and then only its ID is stamped per
 * send (`prepareQuery` / `stampQuery`), so the querier's hot path copies
 * bytes instead of re-encoding.
 */
import { DEFAULT_EDNS_PAYLOAD_SIZE, EdnsOption, RRClass } from './constants.js';
import { encodeMessage, type MessageToEncode } from './encode.js';
import { stampId } from './header-bytes.js';
import type { DnsQuestion } from './message-types.js';
import { canonicalName, nameToWire } from './name.js';
import { HEADER_LENGTH } from './walk.js';

export interface QueryParams {
  id: number;
  name: string;
  type: number;
  class?: number;
  /** Recursion desired; false for authoritative polling. */
  rd?: boolean;
  /** Adds an OPT record; `nsid` asks for the server's identifier (RFC 5001). */
  edns?: { payloadSize?: number; nsid: boolean; dnssecOk?: boolean };
}

/** Encodes one query message. */
export function encodeQuery(params: QueryParams): Buffer {
  const message: MessageToEncode = {
    id: params.id,
    flags: { rd: params.rd ?? false },
    questions: [{ name: params.name, type: params.type, class: params.class ?? RRClass.IN }],
  };
  if (params.edns) {
    message.edns = {
      payloadSize: params.edns.payloadSize ?? DEFAULT_EDNS_PAYLOAD_SIZE,
      dnssecOk: params.edns.dnssecOk ?? false,
      // NSID is requested with an empty option (RFC 5001 §2.1).
      options: params.edns.nsid ? [{ code: EdnsOption.NSID, data: Buffer.alloc(0) }] : [],
    };
  }
  return encodeMessage(message);
}

/** A query encoded once (ID 0) whose ID is stamped per send. */
export interface PreparedQuery {
  readonly wire: Buffer;
  readonly question: Readonly<DnsQuestion>;
  /** The question name lower-cased, for case-insensitive answer matching. */
  readonly canonicalName: string;
  /**
   * The question section as sent (name, type, class) with ASCII letters of the
   * name lower-cased, so an answer's question can be matched byte by byte.
   */
  readonly questionWire: Buffer;
}

export function prepareQuery(params: Omit<QueryParams, 'id'>): PreparedQuery {
  const wire = encodeQuery({ ...params, id: 0 });
  const question = Object.freeze({ name: params.name, type: params.type, class: params.class ?? RRClass.IN });
  const nameLength = nameToWire(params.name).length;
  // Length octets are at most 63, below 'A', so lower-casing touches only label bytes.
  const questionWire = Buffer.from(wire.subarray(HEADER_LENGTH, HEADER_LENGTH + nameLength + 4));
  for (let i = 0; i < nameLength; i++)
    if (questionWire[i]! >= 0x41 && questionWire[i]! <= 0x5a) questionWire[i]! |= 0x20;
  return Object.freeze({ wire, question, canonicalName: canonicalName(params.name), questionWire });
}

/** A fresh copy of the prepared query carrying `id` (the copy may be handed to a socket). */
export function stampQuery(prepared: PreparedQuery, id: number): Buffer {
  const out = Buffer.allocUnsafe(prepared.wire.length);
  prepared.wire.copy(out, 0);
  stampId(out, id);
  return out;
}
