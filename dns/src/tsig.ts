/**
 * TSIG signing and verification (RFC 8945). The MAC covers the message as
 * it is without the TSIG RR (original ID, ARCOUNT not counting TSIG) followed
 * by the TSIG variables; a response's MAC is additionally prefixed by the
 * request's MAC (2-byte length + MAC, §4.3.1), which binds the answer to our
 * exact request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RRType } from './constants.js';
import { listRecords } from './decode.js';
import {
  DEFAULT_FUDGE_SECONDS,
  TSIG_ALGORITHMS,
  decodeTsigRdata,
  encodeTsigRecord,
  encodeTsigVariables,
  type TsigAlgorithm,
  type TsigFields,
} from './tsig-record.js';

export interface TsigKey {
  /** Key name as configured on the server (`probe-key` or `probe-key.`). */
  name: string;
  algorithm: TsigAlgorithm;
  /** The decoded secret bytes. */
  secret: Buffer;
}

export interface SignOptions {
  /** Seconds since the epoch, from the caller's clock. */
  timeSigned: number;
  fudge?: number;
  /** For responses: the MAC of the request being answered. */
  requestMac?: Buffer;
  /** TSIG error to announce (responders only). */
  error?: number;
  other?: Buffer;
  /** Send an empty MAC, as servers do when answering BADKEY/BADSIG. */
  omitMac?: boolean;
}

export interface SignedMessage {
  message: Buffer;
  mac: Buffer;
}

export type TsigCheck =
  /** The MAC is right; `fields.error` may still carry BADTIME etc. */
  | { kind: 'verified'; fields: TsigFields; timeSkewSeconds: number }
  /** The response has no TSIG RR at all. */
  | { kind: 'unsigned' }
  /** The server could not verify us (BADKEY/BADSIG) and so could not sign either: MAC size 0. */
  | { kind: 'unsigned-error'; fields: TsigFields }
  | { kind: 'bad'; reason: string };

const wireAlgorithm = (algorithm: TsigAlgorithm) => `${algorithm}.`;

function computeMac(key: TsigKey, parts: Buffer[]): Buffer {
  const hmac = createHmac(TSIG_ALGORITHMS[key.algorithm].hash, key.secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

function requestMacPrefix(requestMac: Buffer | undefined): Buffer[] {
  if (requestMac === undefined) return [];
  const length = Buffer.alloc(2);
  length.writeUInt16BE(requestMac.length, 0);
  return [length, requestMac];
}

/** Appends a TSIG RR to an unsigned message and bumps ARCOUNT. */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions): SignedMessage {
  const variables = {
    algorithm: wireAlgorithm(key.algorithm),
    timeSigned: options.timeSigned,
    fudge: options.fudge ?? DEFAULT_FUDGE_SECONDS,
    error: options.error ?? 0,
    other: options.other ?? Buffer.alloc(0),
  };
  const mac = options.omitMac
    ? Buffer.alloc(0)
    : computeMac(key, [...requestMacPrefix(options.requestMac), message, encodeTsigVariables(key.name, variables)]);
  const record = encodeTsigRecord(key.name, { ...variables, mac, originalId: message.readUInt16BE(0) });
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { message: signed, mac };
}

const sameName = (a: string, b: string) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/**
 * Checks the TSIG of a received message. `requestMac` is given when checking
 * a response; `nowSeconds` is our clock, for the fudge window. Never throws:
 * malformed input is `bad` with a reason.
 */
export function verifyTsig(
  message: Buffer,
  key: TsigKey,
  options: { requestMac?: Buffer; nowSeconds: number },
): TsigCheck {
  const listed = listRecords(message);
  if (!listed.ok) return { kind: 'bad', reason: `malformed message: ${listed.error}` };
  const records = listed.records;
  const last = records[records.length - 1];
  if (records.slice(0, -1).some((record) => record.type === RRType.TSIG))
    return { kind: 'bad', reason: 'TSIG record is not the last record' };
  if (!last || last.type !== RRType.TSIG || last.section !== 'additional') return { kind: 'unsigned' };
  let fields: TsigFields;
  try {
    fields = decodeTsigRdata(message, last.rdataStart, last.rdataEnd);
  } catch (error) {
    return { kind: 'bad', reason: `malformed TSIG record: ${(error as Error).message}` };
  }
  if (!sameName(last.name, key.name))
    return {
      kind: 'bad',
      reason: `signed with key ${JSON.stringify(last.name)}, expected ${JSON.stringify(key.name)}`,
    };
  if (!sameName(fields.algorithm, key.algorithm))
    return { kind: 'bad', reason: `signed with algorithm ${fields.algorithm}, expected ${key.algorithm}` };
  if (fields.mac.length === 0) {
    return fields.error !== 0
      ? { kind: 'unsigned-error', fields }
      : { kind: 'bad', reason: 'TSIG record carries no MAC' };
  }
  // RFC 8945 §5.2.2.1 allows truncated MACs; we never ask for them, so only the full length is accepted.
  if (fields.mac.length !== TSIG_ALGORITHMS[key.algorithm].macLength) {
    return {
      kind: 'bad',
      reason: `MAC is ${fields.mac.length} bytes, expected ${TSIG_ALGORITHMS[key.algorithm].macLength}`,
    };
  }
  const stripped = Buffer.from(message.subarray(0, last.start));
  stripped.writeUInt16BE(fields.originalId, 0);
  stripped.writeUInt16BE(message.readUInt16BE(10) - 1, 10);
  const expected = computeMac(key, [
    ...requestMacPrefix(options.requestMac),
    stripped,
    encodeTsigVariables(key.name, { ...fields, algorithm: wireAlgorithm(key.algorithm) }),
  ]);
  if (!timingSafeEqual(expected, fields.mac)) return { kind: 'bad', reason: 'MAC does not match' };
  return { kind: 'verified', fields, timeSkewSeconds: options.nowSeconds - fields.timeSigned };
}
