/**
 * Just enough of a DNS message parser for UPDATE responses: the header, and
 * where each resource record starts, so the TSIG RR (always the last record
 * of the additional section) can be found, read and cut off for verification.
 * Every bound is checked: a garbage datagram is a RangeError, never a crash.
 */
import { readNameAt as readName } from '@propwatch/dns';
import { HEADER_LENGTH } from './update-message.js';

export const TYPE_TSIG = 250;

export interface MessageHeader {
  id: number;
  qr: boolean;
  opcode: number;
  tc: boolean;
  rcode: number;
  counts: [number, number, number, number];
}

export interface RecordSpan {
  /** Owner name as read (compression resolved). */
  name: string;
  type: number;
  klass: number;
  ttl: number;
  /** Offset where the record (its owner name) starts. */
  start: number;
  rdataStart: number;
  rdataEnd: number;
}

export interface ParsedMessage {
  header: MessageHeader;
  /** All records after the question/zone section, in order (answer, authority, additional). */
  records: RecordSpan[];
}

export function readHeader(message: Buffer): MessageHeader {
  if (message.length < HEADER_LENGTH)
    throw new RangeError(`message of ${message.length} bytes is shorter than a DNS header`);
  const flags = message.readUInt16BE(2);
  return {
    id: message.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    counts: [message.readUInt16BE(4), message.readUInt16BE(6), message.readUInt16BE(8), message.readUInt16BE(10)],
  };
}

export function parseMessage(message: Buffer): ParsedMessage {
  const header = readHeader(message);
  let offset = HEADER_LENGTH;
  for (let i = 0; i < header.counts[0]; i++) {
    offset = readName(message, offset).end + 4;
    if (offset > message.length) throw new RangeError('zone/question section runs past the end of the message');
  }
  const records: RecordSpan[] = [];
  const total = header.counts[1] + header.counts[2] + header.counts[3];
  for (let i = 0; i < total; i++) {
    const start = offset;
    const { name, end } = readName(message, offset);
    if (end + 10 > message.length) throw new RangeError('record header runs past the end of the message');
    const rdlength = message.readUInt16BE(end + 8);
    const rdataStart = end + 10;
    const rdataEnd = rdataStart + rdlength;
    if (rdataEnd > message.length) throw new RangeError('record data runs past the end of the message');
    records.push({
      name,
      type: message.readUInt16BE(end),
      klass: message.readUInt16BE(end + 2),
      ttl: message.readUInt32BE(end + 4),
      start,
      rdataStart,
      rdataEnd,
    });
    offset = rdataEnd;
  }
  return { header, records };
}
