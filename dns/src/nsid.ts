/**
 * NSID (RFC 5001) payloads are opaque bytes. Operators usually put a host or
 * POP name there, which dig shows as text; some put binary identifiers, which
 * only hex can show faithfully.
 */

/** Printable ASCII (space to tilde) as text, anything else as lower-case hex; empty stays empty. */
export function renderNsid(bytes: Uint8Array): string {
  return renderNsidAt(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}

/** `renderNsid` of `buf[start, end)`, without copying the bytes out first. */
export function renderNsidAt(buf: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte < 0x20 || byte > 0x7e) return buf.toString('hex', start, end);
  }
  return buf.toString('latin1', start, end);
}

/** dig's form: hex pairs, then the printable rendering in parentheses, e.g. `6c 68 72 ("lhr")`. */
export function describeNsid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(bytes, (b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.')).join('');
  return `${hex} (${JSON.stringify(text)})`;
}
