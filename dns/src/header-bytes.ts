/**
 * Single header fields read or written in place, for the few places that
 * must not decode a whole message: demultiplexing answers by ID before they
 * are validated, stamping an ID into a prepared query, spotting TC=1 in an
 * answer whose body may be cut (RFC 2181 §9). Callers check the length first
 * (HEADER_LENGTH).
 */

/** The 16-bit message ID. */
export function peekId(message: Uint8Array): number {
  return (message[0]! << 8) | message[1]!;
}

/** Writes the 16-bit message ID in place. */
export function stampId(message: Uint8Array, id: number): void {
  message[0] = (id >> 8) & 0xff;
  message[1] = id & 0xff;
}

/** The TC (truncated) flag. */
export function peekTruncated(message: Uint8Array): boolean {
  return (message[2]! & 0x02) !== 0;
}
