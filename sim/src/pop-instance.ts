/**
 * One POP instance: decides its answer to a query at the instant the query
 * reaches it. It decodes the query and encodes the response with
 * @propwatch/dns around answerQuery(), applies the faults that act on
 * answering (`down`, `flaky`) and counts. It owns no socket: the query
 * router hands it queries from its unicast address and from every anycast
 * address whose catchment it is, after the vantage's delay.
 */
import { canonicalName, decodeQuery, encodeResponse, MAX_TCP_MESSAGE_LENGTH, udpPayloadLimit } from '@propwatch/dns';
import { type AnswerContext, answerQuery } from './answer-query.js';
import type { PopFault } from './faults.js';
import type { Moment } from './moment.js';
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

/** What the POP does with one query. */
export type PopDecision =
  | {
      kind: 'answer';
      response: Buffer;
      /** The zone version it answered from, and that version's SOA serial. */
      version: number;
      serial: number;
      /** The question (canonical: lower case, no final dot) and its type. */
      qname: string;
      qtype: number;
    }
  /** Nothing is sent (down, a flaky drop, an answer that could not be encoded). */
  | { kind: 'ignore' }
  /** Not a query: nothing is sent, and a TCP connection closes. */
  | { kind: 'reject' };

export interface PopInstanceDeps {
  def: PopDefinition;
  /** The answer context for the version this POP has applied at `now`. */
  context: (now: Moment) => AnswerContext;
  fault: () => PopFault | null;
  /** Seeded stream deciding flaky drops. */
  random: Random;
  onError?: (error: Error) => void;
}

export class PopInstance {
  readonly counters: PopCounters = {
    udpQueries: 0,
    tcpQueries: 0,
    answered: 0,
    dropped: 0,
    ignored: 0,
    requestErrors: 0,
  };

  constructor(private readonly deps: PopInstanceDeps) {}

  get name(): string {
    return this.deps.def.name;
  }

  get nsid(): string {
    return this.deps.def.nsid;
  }

  /** The POP's answer to `message` as it stands at `now` (the instant the query reaches it). */
  decide(message: Buffer, transport: 'udp' | 'tcp', source: string, now: Moment): PopDecision {
    const decoded = decodeQuery(message);
    if (!decoded.ok) {
      this.countError(
        new Error(`refused a ${message.length}-byte ${transport} query from ${source}: ${decoded.error}`),
      );
      return { kind: 'reject' };
    }
    const query = decoded.query;
    if (transport === 'tcp') this.counters.tcpQueries++;
    else this.counters.udpQueries++;
    const fault = this.deps.fault();
    if (fault?.kind === 'down') {
      this.counters.ignored++;
      return { kind: 'ignore' };
    }
    if (fault?.kind === 'flaky' && this.deps.random() < fault.dropRate) {
      this.counters.dropped++;
      return { kind: 'ignore' };
    }
    try {
      const context = this.deps.context(now);
      const response = encodeResponse(query, answerQuery(query, context), {
        nsid: context.identity,
        payloadSize: context.udpPayloadSize,
        maxLength: transport === 'tcp' ? MAX_TCP_MESSAGE_LENGTH : udpPayloadLimit(query),
      });
      this.counters.answered++;
      return {
        kind: 'answer',
        response,
        version: context.snapshot.version,
        serial: context.snapshot.serial,
        qname: canonicalName(query.question.name),
        qtype: query.question.type,
      };
    } catch (error) {
      // An answer that cannot be encoded (a bug or absurd zone data) is counted, never fatal.
      this.countError(error as Error);
      return { kind: 'ignore' };
    }
  }

  /** Counts trouble on this POP's own transport or in its answers; never fatal. */
  countError(error: Error): void {
    this.counters.requestErrors++;
    this.deps.onError?.(error);
  }
}
