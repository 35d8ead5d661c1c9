/**
 * One POP: a DNS server on UDP and TCP at the same address:port, so a single
 * `address:port` target works for both transports. The shell around
 * answerQuery(): it decodes each query and encodes each response with
 * @propwatch/dns, applies the faults that act on answering (`down`, `flaky`),
 * counts, and closes for real.
 */
import { decodeQuery, encodeResponse, MAX_TCP_MESSAGE_LENGTH, udpPayloadLimit } from '@propwatch/dns';
import { type AnswerContext, answerQuery } from './answer-query.js';
import { DnsTransport, type DnsRequest } from './dns-transport.js';
import type { PopFault } from './faults.js';
import type { Random } from './prng.js';
import type { PopDefinition } from './topology.js';

export interface PopCounters {
  /** Queries that decoded, by transport. */
  udpQueries: number;
  tcpQueries: number;
  answered: number;
  /** Dropped by the `flaky` fault. */
  dropped: number;
  /** Ignored because the POP is `down`. */
  ignored: number;
  /** Undecodable queries, failed answers and transport trouble (never fatal). */
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

export class PopServer {
  readonly counters: PopCounters = {
    udpQueries: 0,
    tcpQueries: 0,
    answered: 0,
    dropped: 0,
    ignored: 0,
    requestErrors: 0,
  };
  private transport: DnsTransport | undefined;

  constructor(private readonly deps: PopServerDeps) {}

  get address(): string {
    return this.deps.def.address;
  }

  get port(): number {
    return this.transport?.port ?? 0;
  }

  /** Binds UDP and TCP on the same port (a free one when the definition says 0). */
  async start(): Promise<number> {
    const { def } = this.deps;
    try {
      this.transport = await DnsTransport.listen({
        address: def.address,
        port: def.port,
        handler: (request) => this.handle(request),
        onError: (error) => this.countError(error),
      });
    } catch (error) {
      throw new Error(
        `POP ${def.name}: cannot listen on ${def.address}:${def.port || '(random)'}: ${(error as Error).message}`,
      );
    }
    return this.transport.port;
  }

  async close(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    await transport?.close();
  }

  private handle(request: DnsRequest): void {
    const decoded = decodeQuery(request.message);
    if (!decoded.ok) {
      this.countError(
        new Error(
          `refused a ${request.message.length}-byte ${request.transport} query from ${request.remote.address}: ${decoded.error}`,
        ),
      );
      return request.reject();
    }
    const query = decoded.query;
    if (request.transport === 'tcp') this.counters.tcpQueries++;
    else this.counters.udpQueries++;
    const fault = this.deps.fault();
    if (fault?.kind === 'down') {
      this.counters.ignored++;
      return request.ignore();
    }
    if (fault?.kind === 'flaky' && this.deps.random() < fault.dropRate) {
      this.counters.dropped++;
      return request.ignore();
    }
    let response: Buffer;
    try {
      const context = this.deps.context();
      response = encodeResponse(query, answerQuery(query, context), {
        nsid: context.identity,
        payloadSize: context.udpPayloadSize,
        maxLength: request.transport === 'tcp' ? MAX_TCP_MESSAGE_LENGTH : udpPayloadLimit(query),
      });
    } catch (error) {
      // An answer that cannot be encoded (a bug or absurd zone data) is counted, never fatal.
      this.countError(error as Error);
      return request.ignore();
    }
    request.answer(response);
    this.counters.answered++;
  }

  private countError(error: Error): void {
    this.counters.requestErrors++;
    this.deps.onError?.(error);
  }
}
