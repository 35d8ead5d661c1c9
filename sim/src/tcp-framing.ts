/**
 * dns2's TCP server hands every length-prefixed frame straight to
 * Packet.parse, which walks every RR count in the header and throws and
 * catches per record: one 42-byte frame of 0xff blocks the event loop (and
 * with it every POP of the sim) for over a second. This replaces its
 * connection handler with the same framing (RFC 1035 §4.2.2 length prefix,
 * RFC 7766 pipelining, idle timeout, half-close once every answer is out) and
 * screens each frame before dns2 parses it, as the UDP path does.
 */
import type { Server, Socket } from 'node:net';
import dns2 from 'dns2';

/** RFC 7766 §6.2.3's recommended minimum idle timeout, as dns2 uses. */
const IDLE_TIMEOUT_MS = 10_000;

/** The part of dns2's TCPServer this relies on: `response()` writes a framed answer and keeps `_dnsPipeline` up to date. */
type Dns2TcpServer = Server & { response(client: Socket, message: dns2.Packet | Buffer): void };

interface Pipeline {
  inFlight: number;
  peerEnded: boolean;
}

/**
 * Takes over `server`'s connections: frames that fail `screen` (or dns2's
 * parser) are reported through `reject` and close the connection, like
 * dns2's own parse errors; the rest become dns2 `request` events.
 */
export function screenTcpFrames(
  server: Server,
  screen: (frame: Buffer) => boolean,
  reject: (error: Error) => void,
): void {
  const tcp = server as Dns2TcpServer;
  tcp.removeAllListeners('connection');
  tcp.on('connection', (client: Socket) => {
    const state: Pipeline = { inFlight: 0, peerEnded: false };
    // dns2's response() reads this to half-close after the last pending answer.
    (client as Socket & { _dnsPipeline: Pipeline })._dnsPipeline = state;
    client.setTimeout(IDLE_TIMEOUT_MS);
    let buffered: Buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      reject(error);
      client.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && !client.destroyed) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const frame = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        if (!screen(frame))
          return fail(new Error(`implausible DNS query of ${length} bytes over TCP from ${client.remoteAddress}`));
        let message: dns2.Packet;
        try {
          message = dns2.Packet.parse(frame);
        } catch (error) {
          return fail(error as Error);
        }
        state.inFlight++;
        tcp.emit('request', message, tcp.response.bind(tcp, client), client);
      }
    });
    client.on('end', () => {
      if (buffered.length > 0) return fail(new Error('TCP message truncated: connection closed mid-message'));
      state.peerEnded = true;
      if (state.inFlight === 0 && !client.destroyed) client.end();
    });
    client.on('timeout', () => client.end());
    client.on('error', (error) => fail(error));
  });
}
