/**
 * A DNS server's transport: one address, one port, UDP and TCP. It moves
 * bytes and nothing else: every datagram and every TCP frame (framed by
 * @propwatch/dns) goes to the handler with the address it came from, and the
 * handler answers when it likes — at once, later (a delayed answer), or never.
 * The sim serves its POPs with it rather than with dns2, whose servers could
 * only be screened from hostile input by reaching into their internals.
 *
 * Bounds: TCP connections (`maxConnections`, beyond which the kernel-accepted
 * connection is dropped), queries awaiting an answer per connection (beyond
 * it the connection stops reading until answers go out), unsent answer bytes
 * per connection, and an idle timeout (RFC 7766 §6.2.3).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { serveTcpConnection } from './dns-tcp-connection.js';

export interface DnsPeer {
  address: string;
  port: number;
}

/** One query as received, and the ways to settle it (the first call wins; later ones do nothing). */
export interface DnsRequest {
  /** The query's bytes: one datagram, or one TCP frame without its length prefix. */
  readonly message: Buffer;
  readonly transport: 'udp' | 'tcp';
  /** The sender, to which the answer goes (its source address tells where a query came from). */
  readonly remote: DnsPeer;
  /** Sends the answer; after the server or the connection closed it is dropped. */
  answer(response: Buffer): void;
  /** Sends nothing (a lost or refused-in-silence query). */
  ignore(): void;
  /** Refuses the query as garbage: nothing is sent, and a TCP connection closes (its framing is not to be trusted). */
  reject(): void;
}

export type DnsHandler = (request: DnsRequest) => void;

export interface DnsTransportOptions {
  address: string;
  /** 0 picks a port that is free for both UDP and TCP. */
  port: number;
  handler: DnsHandler;
  /** Transport-level trouble (a cut TCP stream, an unwritable answer); never fatal. */
  onError?: (error: Error) => void;
  /** TCP connections open at once (default 512). */
  maxConnections?: number;
  /** Queries awaiting their answer per TCP connection before it stops reading (default 64). */
  maxPendingPerConnection?: number;
  /** A TCP connection with no traffic this long is closed (default 10 s, RFC 7766 §6.2.3's minimum). */
  idleTimeoutMs?: number;
}

const BIND_ATTEMPTS = 20;

export class DnsTransport {
  private readonly connections = new Set<net.Socket>();
  private closed = false;

  private constructor(
    private readonly options: DnsTransportOptions,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    readonly port: number,
  ) {}

  /** Binds UDP and TCP on the same port; with port 0, retries until a port free for both is found. */
  static async listen(options: DnsTransportOptions): Promise<DnsTransport> {
    let lastError: unknown;
    for (let attempt = 0; attempt < (options.port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
      const udp = dgram.createSocket(net.isIPv6(options.address) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(options.port, options.address, () => resolve());
        });
        const port = udp.address().port;
        const tcp = net.createServer({ allowHalfOpen: true, noDelay: true });
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ port, host: options.address, exclusive: true }, () => resolve());
        });
        const transport = new DnsTransport(options, udp, tcp, port);
        transport.wire();
        return transport;
      } catch (error) {
        lastError = error;
        udp.close();
        // A UDP port the kernel chose may be taken for TCP: try another.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    throw lastError as Error;
  }

  get address(): string {
    return this.options.address;
  }

  /** Stops both listeners and drops every connection; answers still pending go nowhere. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private wire(): void {
    this.udp.on('message', (message, rinfo) => {
      let settled = false;
      const settle = () => !settled && (settled = true);
      this.dispatch({
        message,
        transport: 'udp',
        remote: { address: rinfo.address, port: rinfo.port },
        answer: (response) => {
          if (settle() && !this.closed) this.udp.send(response, rinfo.port, rinfo.address, this.reportSendError);
        },
        ignore: settle,
        reject: settle,
      });
    });
    this.udp.on('error', (error) => this.report(error));
    try {
      this.udp.setRecvBufferSize(4 * 1024 * 1024);
    } catch {
      // Capped by net.core.rmem_max; a smaller buffer only matters under load.
    }
    this.tcp.maxConnections = this.options.maxConnections ?? 512;
    this.tcp.on('drop', () =>
      this.report(new Error(`TCP connection refused: ${this.tcp.maxConnections} already open`)),
    );
    this.tcp.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
      serveTcpConnection(socket, {
        dispatch: (request) => this.dispatch(request),
        report: (error) => this.report(error),
        maxPending: this.options.maxPendingPerConnection ?? 64,
        idleTimeoutMs: this.options.idleTimeoutMs ?? 10_000,
      });
    });
    this.tcp.on('error', (error) => this.report(error));
  }

  /** Runs the handler; one that throws (a bug) costs its query, never the process. */
  private dispatch(request: DnsRequest): void {
    try {
      this.options.handler(request);
    } catch (error) {
      this.report(error as Error);
      request.reject();
    }
  }

  private report(error: Error): void {
    this.options.onError?.(error);
  }

  private readonly reportSendError = (error: Error | null): void => {
    if (error) this.report(error);
  };
}
