/** One UDP socket of the pool with its per-ID bookkeeping. */
import dgram from 'node:dgram';

export interface PoolSocketOptions {
  /** Local addresses to bind (default: the wildcard address, port 0). */
  bind?: { v4?: string; v6?: string };
  /** Kernel receive buffer per socket in bytes, best effort (default 4 MiB). */
  receiveBufferBytes?: number;
}

export interface PooledSocket<P> {
  socket: dgram.Socket;
  /** Queries in flight on this socket by ID. */
  inFlight: Map<number, P>;
  /** performance.now() until which each ID must not be reused (a timed-out query's answer may still come). */
  quarantineUntil: Float64Array;
}

export function openPoolSocket<P>(family: 4 | 6, options: PoolSocketOptions, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): PooledSocket<P> {
  const socket = dgram.createSocket(family === 4 ? { type: 'udp4', lookup: passLiteral } : { type: 'udp6', ipv6Only: true, lookup: passLiteral });
  socket.on('message', onMessage);
  // Unconnected UDP sockets report errors only for our own sends, and those
  // are attributed through each send's callback; nothing is left to do here.
  socket.on('error', () => undefined);
  socket.once('listening', () => {
    try {
      socket.setRecvBufferSize(options.receiveBufferBytes ?? 4 * 1024 * 1024);
    } catch {
      // The kernel caps this (net.core.rmem_max); a smaller buffer only matters under load.
    }
  });
  socket.bind(0, family === 4 ? options.bind?.v4 : options.bind?.v6);
  // Idle sockets must not keep the process alive; the pool's timer does while queries are in flight.
  socket.unref();
  return { socket, inFlight: new Map(), quarantineUntil: new Float64Array(65536) };
}

/**
 * Targets reach the pool as IP literals (see `resolveTarget`), yet dgram
 * passes every send's address through `dns.lookup`, which for a literal only
 * validates it again and defers the send by a `process.nextTick`: measurable at
 * 100,000 sends a second. A literal is returned as it is, synchronously; if it
 * were not one, the send itself would fail and report it.
 */
function passLiteral(address: string, _options: unknown, callback: (error: null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}
