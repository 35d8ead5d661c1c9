/**
 * A tiny anycast-like DNS server for end-to-end tests of the probe, on the
 * sim's transport (UDP + TCP, answers whenever it likes) and @propwatch/dns's
 * response encoder: one address, several instances behind it, each with its
 * NSID and the moment it starts serving the canary; which instance answers
 * is decided per query by the sender's source address (its catchment, which
 * a test moves at any time), each answer leaves after a round trip of the
 * test's choosing, and chosen queries are lost.
 *
 * A query is decided half its round trip after it arrives (as if it took
 * that long to reach the instance), and that decision instant is recorded:
 * the ground truth the probe's bounds must contain.
 */
import {
  asksIdentity,
  decodeQuery,
  encodeResponse,
  Rcode,
  RRClass,
  RRType,
  udpPayloadLimit,
  type DnsQuery,
  type ResponseToEncode,
} from '@propwatch/dns';
import { DnsTransport, type DnsRequest } from '../../../sim/src/dns-transport.js';

export interface FakeInstance {
  nsid: string;
  /** Milliseconds after `written()` from which this instance serves the canary (Infinity: never). */
  servesAfterMs: number;
}

export interface AnswerRecord {
  instance: string;
  source: string;
  transport: 'udp' | 'tcp';
  /** performance.now() when the query arrived and when the instance decided what to serve. */
  arrivedAt: number;
  decidedAt: number;
  served: boolean;
  chaos: boolean;
}

export interface AnycastServerOptions {
  address?: string;
  zone: string;
  instances: Record<string, FakeInstance>;
  /** Instance for a source address; a test changes it with `route()`. */
  catchment: Record<string, string>;
  /** Round trip for a query from `source` (default 0). */
  rttMs?: (source: string) => number;
  /** Drops the query (no answer at all) when it returns true; `index` counts canary queries from 0. */
  drop?: (index: number, arrivedMsAfterWrite: number) => boolean;
  /** Send NSID when asked (default true); false models servers without `nsid:`. */
  sendNsid?: boolean;
  /** Answer every UDP query truncated (TC=1, nothing else), so the probe asks again over TCP. */
  truncateUdp?: boolean;
}

export interface AnycastServer {
  address: string;
  port: number;
  answers: AnswerRecord[];
  /** Moves the catchment of `source` to `instance`. */
  route(source: string, instance: string): void;
  /** Call when the canary was written (at the writer's ack), with its TXT content. */
  written(content: string, at: number): void;
  close(): Promise<void>;
}

export async function startAnycastServer(options: AnycastServerOptions): Promise<AnycastServer> {
  const catchment = new Map(Object.entries(options.catchment));
  const answers: AnswerRecord[] = [];
  let canary: { content: string; at: number } | undefined;
  let canaryQueries = 0;

  const respond = (request: DnsRequest, query: DnsQuery) => {
    const source = request.remote.address;
    const key = catchment.get(source);
    const instance = key === undefined ? undefined : options.instances[key];
    if (!key || !instance) return request.ignore();
    const chaos = query.question.class === RRClass.CH;
    const arrivedAt = performance.now();
    if (!chaos) {
      const index = canaryQueries++;
      if (canary && options.drop?.(index, arrivedAt - canary.at)) return request.ignore();
    }
    const halfTrip = (options.rttMs?.(source) ?? 0) / 2;
    setTimeout(() => {
      const decidedAt = performance.now();
      const served = canary !== undefined && decidedAt - canary.at >= instance.servesAfterMs;
      answers.push({ instance: key, source, transport: request.transport, arrivedAt, decidedAt, served, chaos });
      const response = chaos ? identity(query, instance) : answer(query, options.zone, served ? canary : undefined);
      const bytes = encodeResponse(query, response, {
        // A limit no answer fits: encodeResponse sends the bare header and question with TC=1.
        maxLength: request.transport === 'udp' ? (options.truncateUdp ? 1 : udpPayloadLimit(query)) : undefined,
        ...(options.sendNsid === false || chaos ? {} : { nsid: instance.nsid }),
      });
      setTimeout(() => request.answer(bytes), halfTrip);
    }, halfTrip);
  };

  const transport = await DnsTransport.listen({
    address: options.address ?? '127.0.0.1',
    port: 0,
    handler: (request) => {
      const decoded = decodeQuery(request.message);
      if (!decoded.ok) return request.reject();
      respond(request, decoded.query);
    },
  });
  return {
    address: transport.address,
    port: transport.port,
    answers,
    route: (source, instance) => void catchment.set(source, instance),
    written: (content, at) => void (canary = { content, at }),
    close: () => transport.close(),
  };
}

/** The canary TXT when served, else NXDOMAIN: authoritative either way. */
function answer(query: DnsQuery, zone: string, canary: { content: string } | undefined): ResponseToEncode {
  const name = query.question.name.toLowerCase().replace(/\.$/, '');
  if (query.question.type !== RRType.TXT || !name.endsWith(zone)) return { rcode: Rcode.REFUSED };
  if (!canary) return { aa: true, rcode: Rcode.NXDOMAIN };
  return {
    aa: true,
    answers: [
      { name: query.question.name, type: RRType.TXT, ttl: 5, data: { kind: 'txt', strings: [canary.content] } },
    ],
  };
}

/** CHAOS TXT id.server: the instance's name, as servers without NSID still give it. */
function identity(query: DnsQuery, instance: FakeInstance): ResponseToEncode {
  if (!asksIdentity(query.question)) return { rcode: Rcode.REFUSED };
  return {
    aa: true,
    answers: [
      {
        name: query.question.name,
        type: RRType.TXT,
        class: RRClass.CH,
        ttl: 0,
        data: { kind: 'txt', strings: [instance.nsid] },
      },
    ],
  };
}
