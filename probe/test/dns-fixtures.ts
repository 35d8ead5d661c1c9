/**
 * Test servers for the querier: a dns2 UDP+TCP server on one loopback port
 * whose answers come from a function, and a raw UDP responder for garbage.
 */
import dgram from 'node:dgram';
import dns2, { type Packet } from 'dns2';

export interface ServedQuery {
  name: string;
  type: number;
  class: number;
  id: number;
  /** True when the query carried an OPT record (ours always asks for NSID in it). */
  nsid: boolean;
  rd: boolean;
  transport: 'udp' | 'tcp';
}

/** Returns what to send: a dns2 Packet, raw bytes, or undefined for silence. */
export type Responder = (query: ServedQuery, request: Packet) => Packet | Buffer | undefined;

export interface TestDnsServer {
  address: string;
  port: number;
  queries: ServedQuery[];
  close(): Promise<void>;
}

/** UDP on a port the OS picks and TCP on the same number; that TCP port may be taken, so a few attempts are made. */
export async function startDnsServer(address: '127.0.0.1' | '::1', respond: Responder): Promise<TestDnsServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryStartDnsServer(address, respond);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}

async function tryStartDnsServer(address: '127.0.0.1' | '::1', respond: Responder): Promise<TestDnsServer> {
  const queries: ServedQuery[] = [];
  const handler =
    (transport: 'udp' | 'tcp') => (request: Packet, send: (response: Packet | Buffer) => Promise<Buffer>) => {
      const q = request.questions[0];
      if (!q) return;
      const optRecord = request.additionals.find((rr) => rr.type === 41) as { rdata?: unknown[] } | undefined;
      // dns2 drops unknown EDNS options while parsing; an OPT with no decoded
      // options is what our NSID-only query looks like to it.
      const query: ServedQuery = {
        name: q.name,
        type: q.type,
        class: q.class,
        id: request.header.id,
        nsid: optRecord !== undefined,
        rd: request.header.rd === 1,
        transport,
      };
      queries.push(query);
      const response = respond(query, request);
      if (response !== undefined) void send(response).catch(() => undefined);
    };
  const udp = dns2.createUDPServer({ type: address === '::1' ? 'udp6' : 'udp4' });
  udp.on('request', handler('udp'));
  await udp.listen(0, address);
  // Bursts of hundreds of queries overflow the default receive buffer of the server's socket.
  udp.setRecvBufferSize(4 * 1024 * 1024);
  const port = udp.address().port;
  const tcp = dns2.createTCPServer(handler('tcp'));
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, address, () => resolve());
    });
  } catch (error) {
    udp.close();
    throw error;
  }
  return {
    address,
    port,
    queries,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

export interface RawResponder {
  address: string;
  port: number;
  /** Every datagram received, with its sender. */
  received: { msg: Buffer; rinfo: dgram.RemoteInfo }[];
  /** A second socket on another port, for "answer from the wrong port" tests. */
  other: dgram.Socket;
  socket: dgram.Socket;
  close(): Promise<void>;
}

/** A UDP socket that calls `reply` for each query; `reply` sends whatever it likes. */
export async function startRawResponder(
  address: '127.0.0.1' | '::1',
  reply: (msg: Buffer, rinfo: dgram.RemoteInfo, sockets: { socket: dgram.Socket; other: dgram.Socket }) => void,
): Promise<RawResponder> {
  const type = address === '::1' ? 'udp6' : 'udp4';
  const socket = dgram.createSocket(type);
  const other = dgram.createSocket(type);
  const received: RawResponder['received'] = [];
  socket.on('message', (msg, rinfo) => {
    received.push({ msg, rinfo });
    reply(msg, rinfo, { socket, other });
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  await new Promise<void>((resolve) => other.bind(0, address, resolve));
  return {
    address,
    port: socket.address().port,
    received,
    other,
    socket,
    close: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await new Promise<void>((resolve) => other.close(() => resolve()));
    },
  };
}
