/**
 * Domain names on the wire: writing with RFC 1035 §4.1.4 compression (as
 * nsupdate and knsupdate do, so our UPDATE is byte-for-byte theirs), the
 * canonical form TSIG needs (lower-case, never compressed; RFC 8945 §4.3.3),
 * and reading names with compression pointers out of a response.
 */
import { Cursor } from '../../dns/decode-error.js';
import { canonicalName, nameToWire, readName as readWireName } from '../../dns/name.js';

/** Pointers can only address the first 16 KiB of a message. */
const MAX_POINTER_OFFSET = 0x3fff;

/** Splits `a.b.c` (trailing dot optional) into labels and checks the RFC 1035 limits. */
export function splitName(name: string): string[] {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return [];
  const labels = trimmed.split('.');
  let wireLength = 1;
  for (const label of labels) {
    const size = Buffer.byteLength(label, 'utf8');
    if (size === 0) throw new Error(`domain name ${JSON.stringify(name)} has an empty label`);
    if (size > 63) throw new Error(`domain name ${JSON.stringify(name)} has a label longer than 63 bytes`);
    wireLength += size + 1;
  }
  if (wireLength > 255) throw new Error(`domain name ${JSON.stringify(name)} is longer than 255 bytes on the wire`);
  return labels;
}

/** The uncompressed wire form; `canonical` lower-cases ASCII letters as TSIG requires. */
export function encodeName(name: string, canonical = false): Buffer {
  splitName(name); // the same limits and messages as the compressor
  return nameToWire(canonical ? canonicalName(name) : name);
}

/**
 * Writes names into a message under construction, pointing at an earlier
 * occurrence of the longest matching suffix. Matching is case-insensitive,
 * as name comparison in DNS is.
 */
export class NameCompressor {
  private readonly seen = new Map<string, number>();

  /** Encodes `name` as if it started at `offset` in the message, remembering its suffixes. */
  encode(name: string, offset: number): Buffer {
    const labels = splitName(name);
    const parts: Buffer[] = [];
    let position = offset;
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const target = this.seen.get(suffix);
      if (target !== undefined) {
        parts.push(Buffer.from([0xc0 | (target >> 8), target & 0xff]));
        return Buffer.concat(parts);
      }
      if (position <= MAX_POINTER_OFFSET) this.seen.set(suffix, position);
      const bytes = Buffer.from(labels[i]!, 'utf8');
      parts.push(Buffer.from([bytes.length]), bytes);
      position += bytes.length + 1;
    }
    parts.push(Buffer.from([0]));
    return Buffer.concat(parts);
  }
}

export interface ReadName {
  /** Dotted name without trailing dot; the root is `''`. */
  name: string;
  /** Offset just past the name where it appears (not where pointers lead). */
  end: number;
}

/**
 * Reads a possibly compressed name with the probe's hardened decoder
 * (pointers must point backwards, hop and length limits); throws a
 * DecodeError on malformed input, which the callers turn into a result.
 */
export function readName(message: Buffer, offset: number): ReadName {
  const cursor = new Cursor(message, offset);
  const name = readWireName(cursor);
  return { name: name === '.' ? '' : name, end: cursor.pos };
}
