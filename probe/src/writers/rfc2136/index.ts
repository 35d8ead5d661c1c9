export { createRfc2136Writer, type Rfc2136Deps } from './rfc2136-writer.js';
export { Rfc2136ConfigSchema, Rfc2136TsigSchema, type Rfc2136Config, type Rfc2136TsigConfig } from './config.js';
export { parseBindKeyFile, parseBindKeys, type BindKey } from './bind-key-file.js';
export { exchange, type ExchangeOptions, type ExchangeResult, type TransportKind } from './transport.js';
export { interpretUpdateResponse, type UpdateOutcome } from './update-outcome.js';
