/**
 * Thrown inside the decoder only and turned into `{ok: false, error}` at its
 * edge, so callers never see an exception for bad input.
 */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** The big-endian 16-bit value at `at`; the caller has checked that both bytes exist. */
export function u16At(buf: Buffer, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

/** A read position in a message; decoders advance `pos`. */
export class Cursor {
  pos: number;
  /**
   * `buf.length`, read once. Buffers from dgram carry their own hidden class,
   * so Buffer property and method lookups on them are slow paths; the hot
   * reads below use only indexed access.
   */
  readonly end: number;
  /**
   * Offset and text of one uncompressed name already read with this cursor
   * (the question name), so a pointer straight to it need not be decoded
   * again; `memoAt` -1 when none.
   */
  memoAt = -1;
  memoName = '';

  constructor(
    readonly buf: Buffer,
    pos = 0,
  ) {
    this.pos = pos;
    this.end = buf.length;
  }

  /** Fails unless `count` more bytes exist before `limit` (default: the buffer end). */
  need(count: number, what: string, limit = this.end): void {
    if (this.pos + count > limit) {
      throw new DecodeError(
        `${what} at offset ${this.pos} needs ${count} bytes, only ${Math.max(0, limit - this.pos)} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const at = this.pos;
    this.pos = at + 2;
    return u16At(this.buf, at);
  }

  u32(what: string): number {
    this.need(4, what);
    const buf = this.buf;
    const at = this.pos;
    this.pos = at + 4;
    return buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
  }
}
