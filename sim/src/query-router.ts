/**
 * Between the sockets and the POPs: the network a query crosses. It tells
 * the vantage by the source address, picks the POP (an anycast address: the
 * vantage's catchment; a unicast address: its POP), loses UDP queries at the
 * vantage's rate, and delays the exchange by the vantage's RTT: the query
 * reaches the POP after half of it (plus jitter) — the POP decides its answer
 * at that instant — and the answer reaches the prober half an RTT (plus
 * jitter) later. Every answer sent is recorded in the answer log.
 *
 * Bounds: a vantage has at most `maxPending` exchanges (and `maxPendingBytes`
 * of queries and answers) in flight; beyond them a query is dropped and
 * counted (`overflow`), so a flood from a 250 ms vantage cannot grow memory.
 */
import type { Clock } from '@propwatch/shared';
import type { AnswerLog } from './answer-log.js';
import { DelayLine } from './delay-line.js';
import type { DnsRequest } from './dns-transport.js';
import { type Moment, momentOf } from './moment.js';
import type { PopDecision, PopInstance } from './pop-instance.js';
import type { Vantage, VantageTable } from './vantage-table.js';

/** Which address a query came in on. */
export type Via = { kind: 'anycast'; name: string } | { kind: 'unicast'; pop: string };

export interface QueryRouterDeps {
  vantages: VantageTable;
  /** By POP name. */
  instances: ReadonlyMap<string, PopInstance>;
  answers: AnswerLog;
  /** Monotonic time: every instant is read from its monotonic side. */
  clock: Pick<Clock, 'monotonicNow'>;
  /** Whether queries to a POP's unicast address cross the vantage's path too (RTT, jitter, loss). */
  vantagesOnUnicast: boolean;
  maxPending: number;
  maxPendingBytes: number;
  onError?: (error: Error) => void;
}

interface Exchange {
  request: DnsRequest;
  via: Via;
  vantage: Vantage;
  instance: PopInstance;
  receivedAt: Moment;
}

export class QueryRouter {
  /** Per (vantage, POP) path: the way in and the way back, each first in, first out. */
  private readonly paths = new Map<string, { inbound: DelayLine; outbound: DelayLine }>();
  private closed = false;

  constructor(private readonly deps: QueryRouterDeps) {}

  route(request: DnsRequest, via: Via): void {
    if (this.closed) return request.ignore();
    const receivedAt = momentOf(this.deps.clock);
    const vantage = this.deps.vantages.forSource(request.remote.address);
    vantage.counters.queries++;
    const pop = via.kind === 'anycast' ? vantage.catchment.get(via.name) : via.pop;
    const instance = pop === undefined ? undefined : this.deps.instances.get(pop);
    if (!instance) throw new Error(`bug: no POP ${pop} for ${JSON.stringify(via)} from ${vantage.def.name}`);
    const exchange: Exchange = { request, via, vantage, instance, receivedAt };
    const crosses = via.kind === 'anycast' || this.deps.vantagesOnUnicast;
    if (crosses && request.transport === 'udp' && vantage.loses()) {
      vantage.counters.lost++;
      return request.ignore();
    }
    if (!crosses || (vantage.def.rttMs === 0 && vantage.def.jitterMs === 0)) {
      // No path to cross: decided and answered at once, at the instant of arrival.
      return this.finish(exchange, this.decide(exchange, receivedAt), receivedAt, receivedAt);
    }
    this.delay(exchange);
  }

  /** Drops every exchange in flight (the sockets are closing). */
  close(): void {
    this.closed = true;
    for (const path of this.paths.values()) {
      path.inbound.close();
      path.outbound.close();
    }
    this.paths.clear();
  }

  private delay(exchange: Exchange): void {
    const { request, vantage } = exchange;
    const counters = vantage.counters;
    let held = request.message.length;
    if (counters.pending >= this.deps.maxPending || counters.pendingBytes + held > this.deps.maxPendingBytes) {
      counters.overflow++;
      return request.ignore();
    }
    counters.pending++;
    counters.pendingBytes += held;
    const release = () => {
      counters.pending--;
      counters.pendingBytes -= held;
    };
    const path = this.pathOf(vantage, exchange.instance.name);
    const half = vantage.def.rttMs / 2;
    path.inbound.push(exchange.receivedAt.monotonicMs + half + vantage.jitter(), () => {
      const decidedAt = momentOf(this.deps.clock);
      const decision = this.decide(exchange, decidedAt);
      if (decision.kind !== 'answer') {
        release();
        return this.finish(exchange, decision, decidedAt, decidedAt);
      }
      // The vantage now holds the answer instead of the query.
      counters.pendingBytes += decision.response.length - held;
      held = decision.response.length;
      if (counters.pendingBytes > this.deps.maxPendingBytes) {
        release();
        counters.overflow++;
        return request.ignore();
      }
      path.outbound.push(decidedAt.monotonicMs + half + vantage.jitter(), () => {
        release();
        this.finish(exchange, decision, decidedAt, momentOf(this.deps.clock));
      });
    });
  }

  private decide(exchange: Exchange, now: Moment): PopDecision {
    const { request, instance } = exchange;
    return instance.decide(request.message, request.transport, request.remote.address, now);
  }

  private finish(exchange: Exchange, decision: PopDecision, decidedAt: Moment, sentAt: Moment): void {
    const { request, via, vantage, instance } = exchange;
    if (decision.kind === 'reject') return request.reject();
    if (decision.kind === 'ignore') return request.ignore();
    request.answer(decision.response);
    vantage.counters.answered++;
    this.deps.answers.record({
      vantage: vantage.def.name,
      source: request.remote.address,
      via: via.kind === 'anycast' ? via.name : via.pop,
      kind: via.kind,
      transport: request.transport,
      pop: instance.name,
      nsid: instance.nsid,
      qname: decision.qname,
      qtype: decision.qtype,
      version: decision.version,
      serial: decision.serial,
      receivedAt: exchange.receivedAt,
      decidedAt,
      sentAt,
    });
  }

  private pathOf(vantage: Vantage, pop: string): { inbound: DelayLine; outbound: DelayLine } {
    const key = `${vantage.def.name}\u0000${pop}`;
    let path = this.paths.get(key);
    if (!path) {
      const now = () => this.deps.clock.monotonicNow();
      const report = (error: Error) => this.deps.onError?.(error);
      path = { inbound: new DelayLine(now, report), outbound: new DelayLine(now, report) };
      this.paths.set(key, path);
    }
    return path;
  }
}
