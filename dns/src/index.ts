/**
 * @propwatch/dns: every byte of the DNS wire format propwatch reads or
 * writes. See ../README.md for what each part guarantees.
 */
export * from './constants.js';
export type * from './message-types.js';

// Decoding (strict, never throws) and the layout the querier's hot path reads.
export {
  buildSections,
  decodeHeader,
  decodeMessage,
  decodeQuestionPrefix,
  listRecords,
  scanMessage,
} from './decode.js';
export { HEADER_LENGTH, type MessageLayout, type MessageSections, type RecordSpan } from './walk.js';
export { LazyMessage } from './lazy-message.js';
export { DecodeError } from './decode-error.js';
export { peekId, peekTruncated, stampId } from './header-bytes.js';

// Encoding, queries and matching answers to them.
export {
  encodeMessage,
  type EdnsToEncode,
  type MessageToEncode,
  type RecordDataToEncode,
  type RecordToEncode,
} from './encode.js';
export { encodeQuery, prepareQuery, stampQuery, type PreparedQuery, type QueryParams } from './query.js';
export { answersPrepared, mismatchReason } from './answer-match.js';

// Names.
export {
  canonicalName,
  canonicalNameToWire,
  nameLabels,
  nameToWire,
  namesEqual,
  readNameAt,
  MAX_LABEL_LENGTH,
  MAX_NAME_LENGTH,
} from './name.js';
export { NameCompressor } from './name-compressor.js';
export { formatIpv6 } from './rdata.js';

// EDNS NSID and CHAOS identity.
export { describeNsid, renderNsid, renderNsidAt } from './nsid.js';
export { asksIdentity, identityRecord, IDENTITY_NAMES } from './chaos.js';

// Serving: queries as a server sees them, and responses.
export { decodeQuery, type DnsQuery, type QueryDecodeResult } from './server-query.js';
export {
  encodeResponse,
  udpPayloadLimit,
  PLAIN_UDP_LIMIT,
  type ResponseOptions,
  type ResponseToEncode,
} from './response.js';

// TCP framing.
export { FrameReader, frameMessage, MAX_TCP_MESSAGE_LENGTH } from './tcp-framing.js';

// DNS UPDATE (RFC 2136) and TSIG (RFC 8945).
export { encodeTxtRdata, encodeTxtReplaceUpdate, type TxtReplacement } from './update-message.js';
export { signMessage, verifyTsig, type SignedMessage, type SignOptions, type TsigCheck, type TsigKey } from './tsig.js';
export {
  DEFAULT_FUDGE_SECONDS,
  TSIG_ALGORITHMS,
  tsigServerTime,
  type TsigAlgorithm,
  type TsigFields,
} from './tsig-record.js';
