/**
 * The TSIG resource record (RFC 8945 §4.2) and the "TSIG variables" that are
 * appended to the message before computing the MAC (§4.3.3). Kept apart from
 * the signing logic so the byte layout can be read in one place.
 */
import { RRClass, RRType } from './constants.js';
import { canonicalNameToWire, readNameAt } from './name.js';

export const DEFAULT_FUDGE_SECONDS = 300;

/** The HMAC algorithms accepted, by config name; the wire name is `<name>.`. */
export const TSIG_ALGORITHMS = {
  'hmac-sha256': { hash: 'sha256', macLength: 32 },
  'hmac-sha512': { hash: 'sha512', macLength: 64 },
  'hmac-sha1': { hash: 'sha1', macLength: 20 },
} as const;

export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigFields {
  algorithm: string;
  /** Seconds since the epoch; 48 bits on the wire. */
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function uint48(value: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUIntBE(value, 0, 6);
  return buffer;
}

function uint16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value, 0);
  return buffer;
}

/**
 * The variables that follow the message in the MAC input: key name, class
 * ANY, TTL 0, algorithm name (both names canonical: lower-case, uncompressed),
 * time signed, fudge, error, other length and other data.
 */
export function encodeTsigVariables(keyName: string, fields: Omit<TsigFields, 'mac' | 'originalId'>): Buffer {
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(RRClass.ANY, 0);
  classTtl.writeUInt32BE(0, 2);
  return Buffer.concat([
    canonicalNameToWire(keyName),
    classTtl,
    canonicalNameToWire(fields.algorithm),
    uint48(fields.timeSigned),
    uint16(fields.fudge),
    uint16(fields.error),
    uint16(fields.other.length),
    fields.other,
  ]);
}

/** The complete TSIG RR: owner = key name, type 250, class ANY, TTL 0, RDATA. */
export function encodeTsigRecord(keyName: string, fields: TsigFields): Buffer {
  const rdata = Buffer.concat([
    canonicalNameToWire(fields.algorithm),
    uint48(fields.timeSigned),
    uint16(fields.fudge),
    uint16(fields.mac.length),
    fields.mac,
    uint16(fields.originalId),
    uint16(fields.error),
    uint16(fields.other.length),
    fields.other,
  ]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(RRType.TSIG, 0);
  fixed.writeUInt16BE(RRClass.ANY, 2);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([canonicalNameToWire(keyName), fixed, rdata]);
}

/** Reads TSIG RDATA between `start` and `end`; throws a RangeError when it does not add up. */
export function decodeTsigRdata(message: Buffer, start: number, end: number): TsigFields {
  const { name: algorithm, end: afterName } = readNameAt(message, start);
  let offset = afterName;
  const need = (bytes: number) => {
    if (offset + bytes > end) throw new RangeError('TSIG RDATA is truncated');
  };
  need(10);
  const timeSigned = message.readUIntBE(offset, 6);
  const fudge = message.readUInt16BE(offset + 6);
  const macSize = message.readUInt16BE(offset + 8);
  offset += 10;
  need(macSize);
  const mac = Buffer.from(message.subarray(offset, offset + macSize));
  offset += macSize;
  need(6);
  const originalId = message.readUInt16BE(offset);
  const error = message.readUInt16BE(offset + 2);
  const otherLength = message.readUInt16BE(offset + 4);
  offset += 6;
  need(otherLength);
  const other = Buffer.from(message.subarray(offset, offset + otherLength));
  if (offset + otherLength !== end) throw new RangeError('TSIG RDATA has trailing bytes');
  return { algorithm, timeSigned, fudge, mac, originalId, error, other };
}

/**
 * The server's clock from a BADTIME answer's Other Data (RFC 8945 §5.2.3: 48
 * bits of seconds since the epoch), or undefined when the field is not that.
 */
export function tsigServerTime(other: Buffer): number | undefined {
  return other.length === 6 ? other.readUIntBE(0, 6) : undefined;
}
