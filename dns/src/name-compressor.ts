/**
 * Writing names with RFC 1035 §4.1.4 compression: a name that ends in a
 * suffix already written points at it. nsupdate and knsupdate compress their
 * UPDATE messages this way, so ours is byte-for-byte theirs (and TSIG vectors
 * captured from them can be reproduced).
 */
import { nameLabels } from './name.js';

/** Pointers have 14 bits: they can only address the first 16 KiB of a message. */
const MAX_POINTER_OFFSET = 0x3fff;

/**
 * Writes names into one message under construction, remembering where each
 * suffix was written. Matching is case-insensitive, as name comparison in DNS
 * is (RFC 4343).
 */
export class NameCompressor {
  private readonly seen = new Map<string, number>();

  /** The bytes of `name` as if written at `offset` in the message; remembers its suffixes. */
  encode(name: string, offset: number): Buffer {
    const labels = nameLabels(name);
    const keys = suffixKeys(labels);
    const parts: number[] = [];
    let position = offset;
    for (let i = 0; i < labels.length; i++) {
      const target = this.seen.get(keys[i]!);
      if (target !== undefined) {
        parts.push(0xc0 | (target >> 8), target & 0xff);
        return Buffer.from(parts);
      }
      if (position <= MAX_POINTER_OFFSET) this.seen.set(keys[i]!, position);
      const label = labels[i]!;
      parts.push(label.length, ...label);
      position += label.length + 1;
    }
    parts.push(0);
    return Buffer.from(parts);
  }
}

/** For each label position, a key for the suffix from there: wire bytes with ASCII letters folded. */
function suffixKeys(labels: number[][]): string[] {
  const keys: string[] = [];
  let key = '';
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i]!;
    let text = String.fromCharCode(label.length);
    for (const byte of label) text += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);
    key = text + key;
    keys[i] = key;
  }
  return keys;
}
