/** One UDP socket of the pool with its per-ID bookkeeping and its rotation budget. */
import dgram from 'node:dgram';

export interface PoolSocketOptions {
  /** Local addresses to bind (default: the wildcard address, port 0). */
  bind?: { v4?: string; v6?: string };
  /** Kernel receive buffer per socket in bytes, best effort (default 4 MiB). */
  receiveBufferBytes?: number;
}

export interface PooledSocket<P> {
  socket: dgram.Socket;
  family: 4 | 6;
  /** Queries in flight on this socket by ID. */
  inFlight: Map<number, P>;
  /**
   * performance.now() until which each ID must not be reused (a timed-out
   * query's answer may still come). Allocated on the first timeout: 512 KiB
   * per socket would be a real cost when sockets rotate hundreds of times a
   * second and most never see a timeout.
   */
  quarantineUntil: Float64Array | undefined;
  /** Queries sent from this socket so far. */
  sent: number;
  /** Queries this socket may send before it is replaced (set by the pool; Infinity = no limit). */
  budget: number;
  /** performance.now() from which on it is replaced (set by the pool; Infinity = never). */
  retireAt: number;
  /** Takes no new queries; closed once the last query in flight on it settles. */
  retired: boolean;
  /** performance.now() before which no replacement is tried again (after a bind failure). */
  retryAt: number;
}

/** Opens a socket; returns the reason instead when it cannot be bound. */
export type OpenPoolSocket = <P>(
  family: 4 | 6,
  options: PoolSocketOptions,
  onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void,
) => PooledSocket<P> | string;

export const openPoolSocket: OpenPoolSocket = <P>(
  family: 4 | 6,
  options: PoolSocketOptions,
  onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void,
) => {
  const socket = dgram.createSocket(
    family === 4 ? { type: 'udp4', lookup: passLiteral } : { type: 'udp6', ipv6Only: true, lookup: passLiteral },
  );
  socket.on('message', onMessage);
  let bindError: Error | undefined;
  // Unconnected UDP sockets report errors only for bind and for our own
  // sends; sends are attributed through each send's callback.
  socket.on('error', (error) => (bindError ??= error));
  socket.once('listening', () => {
    try {
      socket.setRecvBufferSize(options.receiveBufferBytes ?? 4 * 1024 * 1024);
    } catch {
      // The kernel caps this (net.core.rmem_max); a smaller buffer only matters under load.
    }
  });
  // Port 0: the kernel picks a random ephemeral port (RFC 5452 §9.2 source
  // port randomisation on Linux). With `passLiteral` the bind completes, or
  // fails, before bind() returns, so the caller knows at once whether this
  // socket can carry queries (dgram would otherwise queue sends and silently
  // drop them if the bind failed).
  const address = family === 4 ? options.bind?.v4 : options.bind?.v6;
  socket.bind(0, address);
  if (bindError) {
    socket.close();
    return `cannot bind a UDP socket to ${address ?? (family === 4 ? '0.0.0.0' : '::')} port 0: ${bindError.message}`;
  }
  // Idle sockets must not keep the process alive; the pool's timer does while queries are in flight.
  socket.unref();
  return {
    socket,
    family,
    inFlight: new Map<number, P>(),
    quarantineUntil: undefined,
    sent: 0,
    budget: Infinity,
    retireAt: Infinity,
    retired: false,
    retryAt: 0,
  };
};

/**
 * Targets reach the pool as IP literals (see `resolveTarget`), yet dgram
 * passes every send's address through `dns.lookup`, which for a literal only
 * validates it again and defers the send by a `process.nextTick`: measurable at
 * 100,000 sends a second. A literal is returned as it is, synchronously; if it
 * were not one, the send itself would fail and report it.
 */
function passLiteral(
  address: string,
  _options: unknown,
  callback: (error: null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}
