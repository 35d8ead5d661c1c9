/**
 * DNS over TCP: every message travels behind a 2-byte length (RFC 1035
 * §4.2.2), several may follow each other on one connection (RFC 7766 §6.2.1),
 * and TCP may split or merge them anywhere. One framer for every TCP path in
 * propwatch: the querier's fallback, the RFC 2136 writer and the sim's servers.
 */

/** A length prefix has 16 bits. */
export const MAX_TCP_MESSAGE_LENGTH = 0xffff;

/** The message behind its 2-byte length; throws a RangeError above 65,535 bytes. */
export function frameMessage(message: Buffer): Buffer {
  if (message.length > MAX_TCP_MESSAGE_LENGTH)
    throw new RangeError(`a DNS message of ${message.length} bytes does not fit a TCP frame (65,535 at most)`);
  const frame = Buffer.allocUnsafe(2 + message.length);
  frame[0] = message.length >> 8;
  frame[1] = message.length & 0xff;
  message.copy(frame, 2);
  return frame;
}

/**
 * Reassembles messages from the chunks of one TCP stream. It holds at most
 * one incomplete frame (≤ 65,537 bytes) plus the chunk being read, and copies
 * each byte at most once more however the peer splits it: a peer sending one
 * byte per segment costs linear time, not quadratic.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Length of the frame being assembled, prefix included; -1 until its prefix is in. */
  private need = -1;
  /** Bytes received so far, prefixes included. */
  received = 0;

  /** Takes the next chunk of the stream; the messages it completes, in order (views, not copies). */
  push(chunk: Buffer): Buffer[] {
    this.received += chunk.length;
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.size += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.size < 2) break;
        const head = this.chunks[0]!.length >= 2 ? this.chunks[0]! : this.flatten();
        this.need = 2 + ((head[0]! << 8) | head[1]!);
      }
      if (this.size < this.need) break;
      const data = this.chunks.length === 1 ? this.chunks[0]! : this.flatten();
      messages.push(data.subarray(2, this.need));
      const rest = data.subarray(this.need);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.size = rest.length;
      this.need = -1;
    }
    return messages;
  }

  /** Bytes held that do not form a whole message yet: a stream that ends with some is cut mid-message. */
  get pendingBytes(): number {
    return this.size;
  }

  private flatten(): Buffer {
    const data = Buffer.concat(this.chunks, this.size);
    this.chunks = [data];
    return data;
  }
}
