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

/** A read position in a message; decoders advance `pos`. */
export class Cursor {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
  ) {
    this.pos = pos;
  }

  /** Fails unless `count` more bytes exist before `limit` (default: the buffer end). */
  need(count: number, what: string, limit = this.buf.length): void {
    if (this.pos + count > limit) {
      throw new DecodeError(`${what} at offset ${this.pos} needs ${count} bytes, only ${Math.max(0, limit - this.pos)} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const value = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }
}
