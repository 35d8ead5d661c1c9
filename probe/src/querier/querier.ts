/**
 * The querier: one question to one server, UDP first and TCP after TC=1,
 * within one deadline, returning a result and never throwing. RTT runs on
 * the monotonic clock from the UDP send to the final answer.
 */
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_EDNS_PAYLOAD_SIZE,
  LazyMessage,
  prepareQuery,
  Rcode,
  rcodeName,
  renderNsid,
  type DnsMessage,
  type DnsQuestion,
  type PreparedQuery,
} from '@propwatch/dns';
import { RandomIds } from './random-ids.js';
import {
  emptyStats,
  type QuerierStats,
  type QueryAnswer,
  type QueryFailure,
  type QueryResult,
  type QueryTarget,
  type Transport,
} from './results.js';
import { resolveTarget, type ResolvedTarget } from './target-address.js';
import { exchangeTcp } from './tcp-exchange.js';
import { UdpPool, type UdpOutcome, type UdpPoolOptions } from './udp-pool.js';

export interface QueryOptions {
  /** Deadline for the whole exchange, TCP retry included (default: the querier's `timeoutMs`). */
  timeoutMs?: number;
  /** Ask for NSID (RFC 5001) in an EDNS OPT record (default true). */
  nsid?: boolean;
  /** Retry over TCP when the UDP answer has TC=1 (default true). */
  tcpFallback?: boolean;
  /** Recursion desired (default false: we poll authoritative servers). */
  rd?: boolean;
  /**
   * Settles the query at once as an `aborted` failure when it fires (round
   * deadline, shutdown): the UDP ID is quarantined as after a timeout, a TCP
   * connection is closed, and no timer is left behind.
   */
  signal?: AbortSignal | undefined;
}

export interface QuerierOptions extends UdpPoolOptions {
  /** Default per-query timeout in ms (default 1000). */
  timeoutMs?: number;
  /** EDNS UDP payload size to advertise (default 1232). */
  payloadSize?: number;
}

export class Querier {
  private readonly counters: QuerierStats = emptyStats();
  private readonly pool: UdpPool;
  private readonly ids = new RandomIds();
  private readonly prepared = new Map<string, PreparedQuery>();
  private readonly aborts = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: QuerierOptions = {}) {
    this.pool = new UdpPool(this.counters, options);
  }

  /**
   * Encodes a question once for repeated use; passing the result to `query`
   * skips even the cache lookup. EDNS is always on (NSID needs it).
   */
  prepare(question: DnsQuestion, options: Pick<QueryOptions, 'nsid' | 'rd'> = {}): PreparedQuery {
    const nsid = options.nsid ?? true;
    const rd = options.rd ?? false;
    const key = `${question.type}/${question.class}/${nsid ? 1 : 0}/${rd ? 1 : 0}/${question.name}`;
    let prepared = this.prepared.get(key);
    if (!prepared) {
      prepared = prepareQuery({
        ...question,
        rd,
        edns: { nsid, payloadSize: this.options.payloadSize ?? DEFAULT_EDNS_PAYLOAD_SIZE },
      });
      if (this.prepared.size >= 4096) this.prepared.clear();
      this.prepared.set(key, prepared);
    }
    return prepared;
  }

  /**
   * Asks `target` one question; see `QueryResult` for what comes back. Not an
   * async function on purpose: the common UDP path costs exactly one promise,
   * settled from the socket's message handler, which matters at 100,000
   * queries per second.
   */
  query(target: QueryTarget, question: DnsQuestion | PreparedQuery, options: QueryOptions = {}): Promise<QueryResult> {
    this.counters.queries++;
    let prepared: PreparedQuery;
    try {
      prepared = 'wire' in question ? question : this.prepare(question, options);
    } catch (error) {
      return Promise.resolve(
        this.count({
          kind: 'failure',
          reason: 'invalid-target',
          detail: `cannot encode the question: ${(error as Error).message}`,
        }),
      );
    }
    const resolved = resolveTarget(target);
    if (typeof resolved === 'string')
      return Promise.resolve(this.count({ kind: 'failure', reason: 'invalid-target', detail: resolved }));
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 1000;
    const tcpFallback = options.tcpFallback ?? true;
    const signal = options.signal;
    return new Promise<QueryResult>((resolve, reject) => {
      this.pool.exchange(
        resolved,
        prepared,
        timeoutMs,
        (udp) => {
          // Runs inside the socket's message handler: a bug here must reject this query, not crash the process.
          try {
            resolve(this.afterUdp(udp, resolved, prepared, timeoutMs, tcpFallback, signal));
          } catch (error) {
            reject(error);
          }
        },
        signal,
      );
    });
  }

  /** A snapshot of the counters. */
  stats(): QuerierStats {
    return structuredClone(this.counters);
  }

  /** Releases sockets and timers; queries in flight resolve as `closed` failures. */
  close(): void {
    this.closed = true;
    this.pool.close();
    for (const abort of [...this.aborts]) abort();
  }

  private count<T extends QueryResult>(result: T): T {
    if (result.kind === 'answer') this.counters.answers++;
    else this.counters.failures[result.reason]++;
    return result;
  }

  private afterUdp(
    udp: UdpOutcome,
    target: ResolvedTarget,
    prepared: PreparedQuery,
    timeoutMs: number,
    tcpFallback: boolean,
    signal: AbortSignal | undefined,
  ): QueryResult | Promise<QueryResult> {
    switch (udp.kind) {
      case 'error':
        return this.count({
          kind: 'failure',
          reason: udp.reason,
          detail: udp.detail,
          transport: 'udp',
          sentAt: udp.sentAt,
        });
      case 'timeout':
        return this.count(
          udp.rejected === undefined
            ? {
                kind: 'failure',
                reason: 'timeout',
                detail: `no answer from ${target.label} within ${timeoutMs} ms`,
                transport: 'udp',
                sentAt: udp.sentAt,
              }
            : {
                kind: 'failure',
                reason: 'garbage',
                detail: `no valid answer from ${target.label} within ${timeoutMs} ms; last ${udp.rejected}`,
                transport: 'udp',
                sentAt: udp.sentAt,
              },
        );
      case 'answer':
        if (!udp.message.header.tc) return this.count(classify(udp.message, target, 'udp', udp.sentAt, udp.receivedAt));
    }
    // TC=1: the answer did not fit; only TCP can give it whole.
    if (!tcpFallback) {
      return this.count({
        kind: 'failure',
        reason: 'truncated',
        detail: `${target.label} set TC=1 and TCP fallback is off`,
        transport: 'udp',
        sentAt: udp.sentAt,
        receivedAt: udp.receivedAt,
        rttMs: udp.receivedAt - udp.sentAt,
      });
    }
    return this.retryOverTcp(target, prepared, udp.sentAt, udp.sentAt + timeoutMs, signal).then((result) =>
      this.count(result),
    );
  }

  private async retryOverTcp(
    target: ResolvedTarget,
    prepared: PreparedQuery,
    sentAt: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult> {
    if (this.closed)
      return { kind: 'failure', reason: 'closed', detail: 'querier is closed', transport: 'tcp', sentAt };
    if (signal?.aborted)
      return {
        kind: 'failure',
        reason: 'aborted',
        detail: 'query aborted before its TCP retry',
        transport: 'tcp',
        sentAt,
      };
    this.counters.tcpQueries++;
    const tcp = await exchangeTcp({
      target,
      prepared,
      id: this.ids.draw(),
      deadline,
      signal,
      localAddress: target.family === 4 ? this.options.bind?.v4 : this.options.bind?.v6,
      register: (abort) => {
        this.aborts.add(abort);
        return () => this.aborts.delete(abort);
      },
    });
    if (tcp.kind === 'failure')
      return { kind: 'failure', reason: tcp.reason, detail: tcp.detail, transport: 'tcp', sentAt };
    if (tcp.message.header.tc) {
      return {
        kind: 'failure',
        reason: 'truncated',
        detail: `${target.label} set TC=1 over TCP`,
        transport: 'tcp',
        sentAt,
        receivedAt: tcp.receivedAt,
        rttMs: tcp.receivedAt - sentAt,
      };
    }
    return classify(tcp.message, target, 'tcp', sentAt, tcp.receivedAt);
  }
}

/** NOERROR and NXDOMAIN are answers (the caller judges them); other RCODEs are failures. */
function classify(
  message: DnsMessage,
  target: ResolvedTarget,
  transport: Transport,
  sentAt: number,
  receivedAt: number,
): QueryResult {
  // A lazy message renders NSID straight from the packet, without building its EDNS object.
  const nsid =
    message instanceof LazyMessage
      ? message.renderNsid()
      : message.edns?.nsid === undefined
        ? undefined
        : renderNsid(message.edns.nsid);
  const rcode = message.header.rcode;
  const rttMs = receivedAt - sentAt;
  if (rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN) {
    const answer: QueryAnswer = { kind: 'answer', message, transport, sentAt, receivedAt, rttMs };
    if (nsid !== undefined) answer.nsid = nsid;
    return answer;
  }
  const reason = rcode === Rcode.SERVFAIL ? 'servfail' : rcode === Rcode.REFUSED ? 'refused' : 'rcode';
  const failure: QueryFailure = {
    kind: 'failure',
    reason,
    detail: `${target.label} answered ${rcodeName(rcode)}`,
    transport,
    message,
    sentAt,
    receivedAt,
    rttMs,
  };
  if (nsid !== undefined) failure.nsid = nsid;
  return failure;
}

/** Current monotonic time, the clock every querier timing is on. */
export function monotonicNow(): number {
  return performance.now();
}
