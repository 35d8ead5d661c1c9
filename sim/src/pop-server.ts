/**
 * One POP: a dns2 server answering on UDP and TCP at the same address:port,
 * so a single `address:port` target works for both transports. The shell
 * around answerQuery(): faults that act on answering (`down`, `flaky`),
 * counters, and a close() that really releases every socket.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import dns2 from 'dns2';
import { type AnswerContext, answerQuery } from './answer-query.js';
import type { PopFault } from './faults.js';
import type { Random } from './prng.js';
import { screenTcpFrames } from './tcp-framing.js';
import { serializeForUdp } from './udp-fit.js';
import type { PopDefinition } from './topology.js';

export interface PopCounters {
  udpQueries: number;
  tcpQueries: number;
  answered: number;
  /** Dropped by the `flaky` fault. */
  dropped: number;
  /** Ignored because the POP is `down`. */
  ignored: number;
  /** Unparseable queries and failed answers (never fatal). */
  requestErrors: number;
}

export interface PopServerDeps {
  def: PopDefinition;
  /** The answer context for the version this POP has applied right now. */
  context: () => AnswerContext;
  fault: () => PopFault | null;
  /** Seeded stream deciding flaky drops. */
  random: Random;
  onError?: (error: Error) => void;
}

const BIND_ATTEMPTS = 20;

export class PopServer {
  readonly counters: PopCounters = {
    udpQueries: 0,
    tcpQueries: 0,
    answered: 0,
    dropped: 0,
    ignored: 0,
    requestErrors: 0,
  };
  private server: dns2.DnsServer | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly deps: PopServerDeps) {}

  get address(): string {
    return this.deps.def.address;
  }

  /** Binds UDP and TCP on the same port (a free one when the definition says 0). */
  async start(): Promise<number> {
    const wanted = this.deps.def.port;
    let lastError: unknown;
    for (let attempt = 0; attempt < (wanted ? 1 : BIND_ATTEMPTS); attempt++) {
      const port = wanted || (await findFreeUdpPort(this.address));
      try {
        this.server = await this.listen(port);
        this.port = port;
        return port;
      } catch (error) {
        lastError = error;
        // A free UDP port may be taken for TCP (or grabbed in between): try another.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    throw new Error(
      `POP ${this.deps.def.name}: cannot listen on ${this.address}:${wanted || '(random)'}: ${(lastError as Error).message}`,
    );
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await server.close();
  }

  private async listen(port: number): Promise<dns2.DnsServer> {
    const type = this.address.includes(':') ? 'udp6' : 'udp4';
    const server = dns2.createServer({
      udp: { type },
      tcp: true,
      handle: (request, send, client) => this.handle(request, send, client),
    });
    server.on('requestError', (error: Error) => {
      this.counters.requestErrors++;
      this.deps.onError?.(error);
    });
    const tcp = (server as unknown as { servers: { tcp?: import('node:net').Server } }).servers.tcp;
    // The TCP path needs the same screening as UDP below (see tcp-framing.ts).
    if (tcp) screenTcpFrames(tcp, isPlausibleQuery, (error) => this.countError(error));
    // dns2 keeps idle TCP connections for 10 s; track them so close() is immediate.
    tcp?.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // dns2's Packet.parse walks every RR count in the header, throwing and
    // catching per record: a 40-byte packet of 0xff blocks the event loop for
    // over a second. Screen UDP datagrams cheaply before dns2 sees them.
    const udp = (
      server as unknown as {
        servers: { udp?: import('node:dgram').Socket & { handle: (data: Buffer, rinfo: unknown) => void } };
      }
    ).servers.udp;
    if (udp) {
      udp.removeAllListeners('message');
      udp.on('message', (data: Buffer, rinfo) => {
        if (isPlausibleQuery(data)) udp.handle(data, rinfo);
        else this.countError(new Error(`implausible DNS query of ${data.length} bytes from ${rinfo.address}`));
      });
    }
    const failed = new Promise<never>((_, reject) => server.once('error', reject));
    // Ports are always > 0 here: dns2's listen() passes `{port: 0, address}`
    // to net.Server.listen for port 0, which ignores `address` and would bind
    // every interface.
    try {
      await Promise.race([
        server.listen({ udp: { port, address: this.address }, tcp: { port, address: this.address } }),
        failed,
      ]);
      return server;
    } catch (error) {
      server.close().catch(() => undefined);
      throw error;
    }
  }

  private handle(
    request: dns2.Packet,
    send: (response: dns2.Packet | Buffer) => Promise<Buffer>,
    client: unknown,
  ): void {
    const viaTcp = typeof (client as Socket).write === 'function';
    if (viaTcp) this.counters.tcpQueries++;
    else this.counters.udpQueries++;
    const fault = this.deps.fault();
    if (fault?.kind === 'down') {
      this.counters.ignored++;
      return;
    }
    if (fault?.kind === 'flaky' && this.deps.random() < fault.dropRate) {
      this.counters.dropped++;
      return;
    }
    try {
      const response = answerQuery(request, this.deps.context());
      // dns2's TCP send returns nothing, its UDP send a promise. UDP answers are fitted here (see udp-fit.ts).
      Promise.resolve(send(viaTcp ? response : serializeForUdp(response, request))).catch((error: Error) =>
        this.countError(error),
      );
      this.counters.answered++;
    } catch (error) {
      // A query we cannot answer (e.g. a name dns2 parsed but cannot encode) is counted, never fatal.
      this.countError(error as Error);
    }
  }

  private countError(error: Error): void {
    this.counters.requestErrors++;
    this.deps.onError?.(error);
  }
}

function findFreeUdpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, address, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * A query has QR=0, one question and no more records than its length could
 * hold (a question takes at least 5 octets, an RR at least 11).
 */
export function isPlausibleQuery(data: Buffer): boolean {
  if (data.length < 17 || (data[2]! & 0x80) !== 0) return false;
  const qd = data.readUInt16BE(4);
  const rrs = data.readUInt16BE(6) + data.readUInt16BE(8) + data.readUInt16BE(10);
  return qd === 1 && 5 + rrs * 11 <= data.length - 12;
}
