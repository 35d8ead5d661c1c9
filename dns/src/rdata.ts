/**
 * Record data decoders for the types the probe reads. Each must consume its
 * rdata exactly: a record whose fields do not fill RDLENGTH (or overrun it) is
 * malformed, not silently re-synchronised.
 */
import { RRType } from './constants.js';
import { Cursor, DecodeError } from './decode-error.js';
import type { RecordData } from './message-types.js';
import { readName } from './name.js';

const RAW: RecordData = Object.freeze({ kind: 'raw' });

/**
 * Decodes the rdata of `type` that spans `[start, end)`. With `build` false it
 * only runs the checks (the validation-only pass) and returns the raw marker.
 */
export function decodeRdata(buf: Buffer, type: number, start: number, end: number, build = true): RecordData {
  switch (type) {
    case RRType.A:
      expectLength(type, start, end, 4);
      return build
        ? { kind: 'a', address: `${buf[start]}.${buf[start + 1]}.${buf[start + 2]}.${buf[start + 3]}` }
        : RAW;
    case RRType.AAAA:
      expectLength(type, start, end, 16);
      return build ? { kind: 'aaaa', address: formatIpv6(buf, start) } : RAW;
    case RRType.NS:
    case RRType.CNAME: {
      const target = readNameWithin(buf, start, end, true, build);
      if (!build) return RAW;
      return type === RRType.NS ? { kind: 'ns', target } : { kind: 'cname', target };
    }
    case RRType.SOA:
      return decodeSoa(buf, start, end, build);
    case RRType.TXT:
      return decodeTxt(buf, start, end, build);
    default:
      return RAW;
  }
}

function expectLength(type: number, start: number, end: number, length: number): void {
  if (end - start !== length)
    throw new DecodeError(`type ${type} rdata at offset ${start} is ${end - start} bytes, expected ${length}`);
}

/** A name inside rdata: its in-place bytes must stay inside the rdata (pointers may reach back anywhere earlier). */
function readNameWithin(
  buf: Buffer,
  start: number,
  end: number,
  fillsRdata: boolean,
  build: boolean,
  cur = new Cursor(buf, start),
): string {
  const name = readName(cur, build);
  if (cur.pos > end) throw new DecodeError(`name in rdata at offset ${start} runs past RDLENGTH`);
  if (fillsRdata && cur.pos !== end)
    throw new DecodeError(`rdata at offset ${start} has ${end - cur.pos} bytes after its name`);
  return name;
}

function decodeSoa(buf: Buffer, start: number, end: number, build: boolean): RecordData {
  const cur = new Cursor(buf, start);
  const mname = readNameWithin(buf, start, end, false, build, cur);
  const rname = readNameWithin(buf, start, end, false, build, cur);
  if (end - cur.pos !== 20)
    throw new DecodeError(`SOA rdata at offset ${start} has ${end - cur.pos} bytes of counters, expected 20`);
  if (!build) return RAW;
  const at = cur.pos;
  return {
    kind: 'soa',
    mname,
    rname,
    serial: buf.readUInt32BE(at),
    refresh: buf.readUInt32BE(at + 4),
    retry: buf.readUInt32BE(at + 8),
    expire: buf.readUInt32BE(at + 12),
    minimum: buf.readUInt32BE(at + 16),
  };
}

function decodeTxt(buf: Buffer, start: number, end: number, build: boolean): RecordData {
  // RFC 1035 §3.3.14: one or more <character-string>s.
  if (start === end) throw new DecodeError(`TXT rdata at offset ${start} is empty`);
  const strings: Buffer[] | undefined = build ? [] : undefined;
  let pos = start;
  while (pos < end) {
    const len = buf[pos]!;
    if (pos + 1 + len > end) throw new DecodeError(`TXT character-string at offset ${pos} runs past RDLENGTH`);
    strings?.push(buf.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return strings ? { kind: 'txt', strings } : RAW;
}

/** RFC 5952 text form: lower case, longest run (≥ 2) of zero groups as `::`. */
export function formatIpv6(buf: Buffer, start: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(start + i * 2));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
