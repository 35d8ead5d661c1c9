export { createRfc2136Writer, type Rfc2136Deps } from './rfc2136-writer.js';
export { Rfc2136ConfigSchema, Rfc2136TsigSchema, type Rfc2136Config, type Rfc2136TsigConfig } from './config.js';
export { parseBindKeyFile, parseBindKeys, type BindKey } from './bind-key-file.js';
export { encodeTxtReplaceUpdate, encodeTxtRdata, type TxtReplacement } from './update-message.js';
export { signMessage, verifyTsig, type TsigKey, type TsigCheck, type SignOptions, type SignedMessage } from './tsig.js';
export { TSIG_ALGORITHMS, type TsigAlgorithm } from './tsig-record.js';
export { exchange, type ExchangeOptions, type ExchangeResult, type TransportKind } from './transport.js';
export { interpretUpdateResponse, type UpdateOutcome } from './update-outcome.js';
