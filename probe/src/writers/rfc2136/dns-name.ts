/**
 * Domain names on the wire: writing with RFC 1035 §4.1.4 compression (as
 * nsupdate and knsupdate do, so our UPDATE is byte-for-byte theirs), the
 * canonical form TSIG needs (lower-case, never compressed; RFC 8945 §4.3.3),
 * and reading names with compression pointers out of a response.
 */

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
  const parts: Buffer[] = [];
  for (const label of splitName(name)) {
    const bytes = Buffer.from(canonical ? label.toLowerCase() : label, 'utf8');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
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

/** Reads a possibly compressed name; throws a RangeError on malformed input (loops, overruns). */
export function readName(message: Buffer, offset: number): ReadName {
  const labels: string[] = [];
  let position = offset;
  let end = -1;
  let jumps = 0;
  for (;;) {
    if (position >= message.length) throw new RangeError('name runs past the end of the message');
    const length = message[position]!;
    if ((length & 0xc0) === 0xc0) {
      if (position + 1 >= message.length) throw new RangeError('truncated compression pointer');
      if (end < 0) end = position + 2;
      // A message has at most ~32 K possible targets; far fewer jumps mean a loop.
      if (++jumps > 127) throw new RangeError('compression pointer loop');
      position = ((length & 0x3f) << 8) | message[position + 1]!;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new RangeError(`unsupported label type 0x${length.toString(16)}`);
    if (length === 0) {
      if (end < 0) end = position + 1;
      return { name: labels.join('.'), end };
    }
    if (position + 1 + length > message.length) throw new RangeError('label runs past the end of the message');
    labels.push(message.toString('latin1', position + 1, position + 1 + length));
    position += 1 + length;
  }
}
