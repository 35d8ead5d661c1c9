/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4). Decoding is the part that
 * faces hostile input: every compression pointer must point strictly before
 * the previous jump target (so a chain of pointers can only move backwards and
 * must end), hops are capped, labels are ≤ 63 bytes and the whole name ≤ 255.
 */
import { Cursor, DecodeError } from './decode-error.js';

export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
/** More hops than a 255-byte name has labels can only be a malicious chain. */
const MAX_POINTER_HOPS = 128;

/**
 * Reads a possibly compressed name at the cursor and leaves the cursor after
 * its in-place part. With `build` false it runs the same checks but builds no
 * text (the validation-only pass): it returns `.` for the root and `''` for
 * any other name.
 */
export function readName(cur: Cursor, build = true): string {
  const buf = cur.buf;
  const length = cur.end;
  let pos = cur.pos;
  if (
    build &&
    cur.memoAt >= 0 &&
    pos + 1 < length &&
    buf[pos] === (0xc0 | (cur.memoAt >> 8)) &&
    buf[pos + 1] === (cur.memoAt & 0xff)
  ) {
    // A bare pointer to the uncompressed name remembered in the cursor (an
    // answer owned by the question name, as servers write it): one hop, to a
    // name already checked from that same offset with that same limit.
    cur.pos = pos + 2;
    return cur.memoName;
  }
  // A pointer must land before this limit; it starts at the name's own offset.
  let limit = pos;
  let end = -1;
  let hops = 0;
  let wireLength = 1; // the terminating root byte
  let text = 0; // presentation bytes written to TEXT
  for (;;) {
    if (pos >= length) throw new DecodeError(`name at offset ${cur.pos} runs past the end of the message`);
    const len = buf[pos]!;
    if (len === 0) {
      pos += 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= length) throw new DecodeError(`compression pointer at offset ${pos} is cut off`);
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit)
        throw new DecodeError(`compression pointer at offset ${pos} points forward or loops (to ${target})`);
      if (++hops > MAX_POINTER_HOPS)
        throw new DecodeError(`name at offset ${cur.pos} has more than ${MAX_POINTER_HOPS} compression pointers`);
      if (end < 0) end = pos + 2;
      limit = target;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new DecodeError(`label at offset ${pos} uses reserved label type 0x${kind.toString(16)}`);
    if (pos + 1 + len > length) throw new DecodeError(`label at offset ${pos} runs past the end of the message`);
    wireLength += len + 1;
    if (wireLength > MAX_NAME_LENGTH)
      throw new DecodeError(`name at offset ${cur.pos} is longer than ${MAX_NAME_LENGTH} bytes`);
    if (build) {
      if (text > 0) TEXT[text++] = 0x2e;
      text = writeLabelText(buf, pos + 1, pos + 1 + len, text);
    }
    pos += 1 + len;
  }
  cur.pos = end < 0 ? pos : end;
  if (wireLength === 1) return '.';
  // One string per name, not one per label: label-by-label slicing and
  // concatenation cost more than the rest of decoding a typical answer.
  return build ? TEXT.toString('latin1', 0, text) : '';
}

const SAFE = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) SAFE[c] = 1;
SAFE[0x2e] = 0; // '.' inside a label
SAFE[0x5c] = 0; // '\'

/** Presentation text of one name: a name has at most 254 label bytes, each at most 4 characters (`\DDD`), plus dots. */
const TEXT = Buffer.alloc(4 * MAX_NAME_LENGTH + MAX_NAME_LENGTH);

/** Writes a label's presentation text into TEXT at `at`, unsafe bytes as `\DDD`; returns the new end. */
function writeLabelText(buf: Buffer, start: number, end: number, at: number): number {
  let out = at;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (SAFE[c] === 1) {
      TEXT[out++] = c;
    } else {
      TEXT[out++] = 0x5c;
      TEXT[out++] = 0x30 + Math.floor(c / 100);
      TEXT[out++] = 0x30 + (Math.floor(c / 10) % 10);
      TEXT[out++] = 0x30 + (c % 10);
    }
  }
  return out;
}

/**
 * The labels of presentation text (`a.example.`, `a.example`; `.` or the empty string
 * for the root; `\.` and `\DDD` escapes accepted) as bytes, checked against the
 * RFC 1035 limits. Throws on a name that cannot exist, since names come from
 * configuration.
 */
export function nameLabels(name: string): number[][] {
  if (name === '.' || name === '') return [];
  const labels: number[][] = [[]];
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    const label = labels[labels.length - 1]!;
    if (ch === 0x2e) {
      if (label.length === 0) throw new Error(`name ${JSON.stringify(name)} has an empty label`);
      labels.push([]);
    } else if (ch === 0x5c) {
      const digits = /^[0-9]{3}/.exec(name.slice(i + 1, i + 4));
      if (digits) {
        const value = Number(digits[0]);
        if (value > 255) throw new Error(`name ${JSON.stringify(name)} has escape \\${digits[0]} above 255`);
        label.push(value);
        i += 3;
      } else {
        if (i + 1 >= name.length) throw new Error(`name ${JSON.stringify(name)} ends with a lone backslash`);
        label.push(name.charCodeAt(++i));
      }
    } else {
      if (ch > 0xff) throw new Error(`name ${JSON.stringify(name)} has a non-Latin-1 character; use punycode`);
      label.push(ch);
    }
  }
  if (labels[labels.length - 1]!.length === 0) labels.pop(); // trailing dot
  let size = 1;
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH)
      throw new Error(`name ${JSON.stringify(name)} has a label longer than ${MAX_LABEL_LENGTH} bytes`);
    size += label.length + 1;
  }
  if (size > MAX_NAME_LENGTH)
    throw new Error(`name ${JSON.stringify(name)} is longer than ${MAX_NAME_LENGTH} bytes on the wire`);
  return labels;
}

/** The uncompressed wire form of presentation text; see `nameLabels` for what is accepted. */
export function nameToWire(name: string): Buffer {
  const labels = nameLabels(name);
  let size = 1;
  for (const label of labels) size += label.length + 1;
  const out = Buffer.alloc(size);
  let pos = 0;
  for (const label of labels) {
    out[pos++] = label.length;
    for (const byte of label) out[pos++] = byte;
  }
  return out;
}

/**
 * The canonical wire form (RFC 4034 §6.2, RFC 8945 §4.3.3): ASCII letters
 * lower-cased, never compressed. TSIG computes its MAC over names in this form.
 */
export function canonicalNameToWire(name: string): Buffer {
  const wire = nameToWire(name);
  // Length octets are at most 63, below 'A', so only label bytes change.
  for (let i = 0; i < wire.length; i++) if (wire[i]! >= 0x41 && wire[i]! <= 0x5a) wire[i]! |= 0x20;
  return wire;
}

/**
 * Reads a possibly compressed name at `offset` with the same checks as the
 * message decoder; the name (root `.`) and the offset just past its in-place
 * bytes. Throws a `DecodeError` on malformed input.
 */
export function readNameAt(buf: Buffer, offset: number): { name: string; end: number } {
  const cur = new Cursor(buf, offset);
  const name = readName(cur);
  return { name, end: cur.pos };
}

/** Case-insensitive comparison of presentation names (ASCII letters only, as RFC 4343 says). */
export function namesEqual(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b);
}

/** Lower-cases ASCII letters and drops one trailing dot (the root stays `.`). */
export function canonicalName(name: string): string {
  const bare = name.length > 1 && name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  return bare.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}
