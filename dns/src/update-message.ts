/**
 * The RFC 2136 UPDATE that replaces the TXT RRset at one name with one record:
 * zone section `<zone> SOA IN`, no prerequisites, and the update section
 * "delete RRset (class ANY, TTL 0, no RDATA)" + "add RR (class IN)". The
 * delete and add travel in one message, so the server applies them
 * atomically (RFC 2136 §3.7): the name never has zero or two canaries.
 * Names are compressed exactly as nsupdate and knsupdate compress them.
 */
import { Opcode, RRClass, RRType } from './constants.js';
import { NameCompressor } from './name-compressor.js';
import { HEADER_LENGTH } from './walk.js';

export interface TxtReplacement {
  zone: string;
  name: string;
  content: string;
  ttl: number;
}

/** TXT RDATA: the text cut into character-strings of at most 255 bytes (RFC 1035 §3.3.14). */
export function encodeTxtRdata(content: string): Buffer {
  const bytes = Buffer.from(content, 'utf8');
  const parts: Buffer[] = [];
  // do/while: an empty TXT still holds one (empty) character-string.
  let start = 0;
  do {
    const chunk = bytes.subarray(start, start + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    start += 255;
  } while (start < bytes.length);
  const rdata = Buffer.concat(parts);
  if (rdata.length > 65535) throw new Error(`TXT content of ${bytes.length} bytes does not fit in one record`);
  return rdata;
}

function isInZone(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  return z === '' || n === z || n.endsWith(`.${z}`);
}

/** Encodes the UPDATE message (without TSIG) with the given 16-bit ID. */
export function encodeTxtReplaceUpdate(change: TxtReplacement, id: number): Buffer {
  if (!isInZone(change.name, change.zone)) {
    throw new Error(`record name ${JSON.stringify(change.name)} is not inside zone ${JSON.stringify(change.zone)}`);
  }
  if (!Number.isInteger(change.ttl) || change.ttl < 0 || change.ttl > 0x7fffffff) {
    throw new Error(`TTL ${change.ttl} is not an integer from 0 to 2147483647`);
  }
  const compressor = new NameCompressor();
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (buffer: Buffer) => {
    parts.push(buffer);
    offset += buffer.length;
  };

  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(Opcode.UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(0, 6); // PRCOUNT
  header.writeUInt16BE(2, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT (TSIG is added by the signer)
  push(header);

  push(compressor.encode(change.zone, offset));
  push(typeAndClass(RRType.SOA, RRClass.IN));

  push(compressor.encode(change.name, offset));
  push(rrFixed(RRType.TXT, RRClass.ANY, 0, 0));

  const rdata = encodeTxtRdata(change.content);
  push(compressor.encode(change.name, offset));
  push(rrFixed(RRType.TXT, RRClass.IN, change.ttl, rdata.length));
  push(rdata);
  return Buffer.concat(parts);
}

function typeAndClass(type: number, klass: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(klass, 2);
  return buffer;
}

function rrFixed(type: number, klass: number, ttl: number, rdlength: number): Buffer {
  const buffer = Buffer.alloc(10);
  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(klass, 2);
  buffer.writeUInt32BE(ttl, 4);
  buffer.writeUInt16BE(rdlength, 8);
  return buffer;
}
