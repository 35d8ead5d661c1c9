export * from './constants.js';
export type * from './message-types.js';
export { buildSections, decodeMessage, decodeQuestionPrefix, HEADER_LENGTH, scanMessage } from './decode.js';
export type { MessageLayout, MessageSections } from './decode.js';
export { LazyMessage } from './lazy-message.js';
export { encodeMessage, encodeQuery, prepareQuery, stampQuery } from './encode.js';
export type {
  EdnsToEncode,
  MessageToEncode,
  PreparedQuery,
  QueryParams,
  RecordDataToEncode,
  RecordToEncode,
} from './encode.js';
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
export { DecodeError } from './decode-error.js';
export { formatIpv6 } from './rdata.js';
export { describeNsid, renderNsid, renderNsidAt } from './nsid.js';
