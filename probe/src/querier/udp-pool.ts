/**
 * A few long-lived UDP sockets per address family, shared by all queries.
 * Answers are demultiplexed by (socket, ID) and accepted only from the
 * queried address and port with our question; everything else is counted and
 * dropped while the query keeps waiting for the real answer. One timer, armed
 * for the earliest deadline, times queries out.
 *
 * RFC 5452's protections: a 16-bit CSPRNG ID, the exact source check, the
 * question match, and source ports that keep changing: each socket carries at
 * most a thousand queries, then a fresh one on a random port replaces it (see
 * `RotatingSockets`).
 *
 * Times come from the global `performance` (the same object as perf_hooks'
 * export), looked up per call so that tests' fake timers can stand in for it.
 */
import type dgram from 'node:dgram';
import {
  answersPrepared,
  decodeQuestionPrefix,
  HEADER_LENGTH,
  LazyMessage,
  mismatchReason,
  peekId,
  peekTruncated,
  scanMessage,
  type DnsMessage,
  type PreparedQuery,
} from '@propwatch/dns';
import { AbortGroups } from './abort-groups.js';
import { DeadlineHeap } from './deadline-heap.js';
import type { OpenPoolSocket, PooledSocket } from './pool-socket.js';
import { RandomIds } from './random-ids.js';
import { RotatingSockets, type RotationOptions } from './rotating-sockets.js';
import { SpareWires } from './spare-wires.js';
import type { QuerierStats } from './results.js';
import type { ResolvedTarget } from './target-address.js';

export type UdpOutcome =
  | { kind: 'answer'; message: DnsMessage; sentAt: number; receivedAt: number }
  /** TC=1 whose body did not decode; the question matched, so TCP is worth trying. */
  | { kind: 'truncated'; sentAt: number; receivedAt: number }
  | { kind: 'timeout'; sentAt: number; rejected?: string }
  | { kind: 'error'; reason: 'network' | 'closed' | 'busy' | 'aborted'; detail: string; sentAt?: number };

export interface UdpPoolOptions extends RotationOptions {
  /** After a timeout, the ID stays unused on its socket this long so a late answer cannot match a new query (default 10 s). */
  idQuarantineMs?: number;
}

interface Pending {
  id: number;
  slot: PoolSocket;
  target: ResolvedTarget;
  prepared: PreparedQuery;
  sentAt: number;
  deadline: number;
  heapIndex: number;
  done: boolean;
  /** Why the last packet from the target itself was refused, reported if nothing better arrives. */
  rejected: string | undefined;
  /** The queries in flight under the caller's AbortSignal, this one among them; undefined without a signal. */
  aborts: Set<Pending> | undefined;
  resolve: (outcome: UdpOutcome) => void;
}

type PoolSocket = PooledSocket<Pending>;

/** Beyond this many in flight per socket, random ID draws would start to collide often. */
const MAX_IN_FLIGHT_PER_SOCKET = 16_384;
const ID_DRAWS = 32;

export class UdpPool {
  private readonly sockets: RotatingSockets<Pending>;
  private readonly heap = new DeadlineHeap<Pending>();
  private readonly ids = new RandomIds();
  private readonly wires = new SpareWires();
  private readonly aborts = new AbortGroups<Pending>((pendings) => this.abortAll(pendings));
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private roundRobin = 0;
  private pickedId = -1;
  /** Why no socket could be picked when the family has none (a bind error). */
  private pickError: string | undefined;
  private closed = false;

  /** `open` is for tests that need a bind to fail. */
  constructor(
    private readonly stats: QuerierStats,
    private readonly options: UdpPoolOptions = {},
    open?: OpenPoolSocket,
  ) {
    this.sockets = new RotatingSockets<Pending>(
      options,
      stats.sockets,
      (slot, msg, rinfo) => this.receive(slot, msg, rinfo),
      open,
    );
  }

  /**
   * Sends the prepared query to `target` and calls `done` once with the
   * outcome: the answer, or a timeout after `timeoutMs`. A callback, not a
   * promise: the querier wraps the whole exchange in one promise, and a second
   * one per query is measurable at 100,000 queries a second.
   *
   * When `signal` aborts, the query settles at once as `aborted`, and its ID
   * is quarantined on its socket as after a timeout, so a late answer cannot
   * match a newer query.
   */
  exchange(
    target: ResolvedTarget,
    prepared: PreparedQuery,
    timeoutMs: number,
    done: (outcome: UdpOutcome) => void,
    signal?: AbortSignal,
  ): void {
    if (this.closed) return done({ kind: 'error', reason: 'closed', detail: 'querier is closed' });
    if (signal?.aborted) return done(abortedBeforeSending(target));
    const sentAt = performance.now();
    const slot = this.pickSocket(target.family, sentAt);
    const id = this.pickedId;
    if (!slot || id < 0) {
      if (this.pickError !== undefined)
        return done({ kind: 'error', reason: 'network', detail: `cannot query ${target.label}: ${this.pickError}` });
      return done({
        kind: 'error',
        reason: 'busy',
        detail: `too many queries in flight on every IPv${target.family} socket`,
      });
    }
    const pending: Pending = {
      id,
      slot,
      target,
      prepared,
      sentAt,
      deadline: sentAt + timeoutMs,
      heapIndex: -1,
      done: false,
      rejected: undefined,
      aborts: signal === undefined ? undefined : this.aborts.groupOf(signal),
      resolve: done,
    };
    pending.aborts?.add(pending);
    slot.inFlight.set(id, pending);
    this.heap.push(pending);
    this.armTimer(pending.deadline);
    this.stats.udpSent++;
    const wire = this.wires.take(prepared, id);
    slot.socket.send(wire, target.port, target.address, (error) => {
      this.wires.release(prepared, wire);
      if (error)
        this.finish(pending, {
          kind: 'error',
          reason: 'network',
          detail: `sending to ${target.label} failed: ${error.message}`,
          sentAt,
        });
    });
  }

  /** Resolves every query in flight as `closed` and releases sockets and the timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.heap.clear();
    for (const slot of [...this.sockets.all()]) {
      for (const pending of [...slot.inFlight.values()])
        this.finish(pending, {
          kind: 'error',
          reason: 'closed',
          detail: 'querier closed while the query was in flight',
          sentAt: pending.sentAt,
        });
    }
    this.sockets.closeAll();
  }

  /**
   * Round-robin over the family's sockets in service (opened lazily, rotated
   * when due); leaves the chosen ID in `pickedId`, or the bind error in
   * `pickError` when the family has no socket.
   */
  private pickSocket(family: 4 | 6, now: number): PoolSocket | undefined {
    this.pickedId = -1;
    const list = this.sockets.inService(family, now);
    this.pickError = typeof list === 'string' ? list : undefined;
    if (typeof list === 'string') return undefined;
    for (let i = 0; i < list.length; i++) {
      const slot = this.sockets.take(list, this.roundRobin++ % list.length, now);
      if (slot.inFlight.size >= MAX_IN_FLIGHT_PER_SOCKET) continue;
      this.pickedId = this.drawId(slot, now);
      if (this.pickedId >= 0) {
        slot.sent++;
        return slot;
      }
    }
    return undefined;
  }

  /** A random ID neither in flight nor quarantined on this socket, or -1. */
  private drawId(slot: PoolSocket, now: number): number {
    const quarantine = slot.quarantineUntil;
    for (let i = 0; i < ID_DRAWS; i++) {
      const id = this.ids.draw();
      if (!slot.inFlight.has(id) && (quarantine === undefined || quarantine[id]! <= now)) return id;
    }
    return -1;
  }

  private receive(slot: PoolSocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const stats = this.stats.dropped;
    if (msg.length < HEADER_LENGTH) {
      stats.short++;
      return;
    }
    const pending = slot.inFlight.get(peekId(msg));
    if (!pending) {
      stats.unknownId++;
      return;
    }
    const target = pending.target;
    if (rinfo.port !== target.port || rinfo.address !== target.address) {
      stats.wrongSource++;
      return;
    }
    const receivedAt = performance.now();
    // Every answer is validated in full (a malformed one is refused and the
    // query keeps waiting), but nothing is built: names and records are
    // decoded only if the caller reads them.
    const layout = scanMessage(msg);
    if (typeof layout === 'string') return this.refuseMalformed(pending, msg, layout, receivedAt);
    const message = new LazyMessage(msg, layout);
    // Our question byte for byte (case folded) settles it; otherwise the full
    // comparison decides (a compressed question may still be ours) and says why not.
    if (!answersPrepared(msg, layout, pending.prepared)) {
      const reason = mismatchReason(message, pending.prepared);
      if (reason !== undefined) {
        stats.mismatch++;
        pending.rejected = `response from ${target.label} does not match the query: ${reason}`;
        return;
      }
    }
    this.finish(pending, { kind: 'answer', message, sentAt: pending.sentAt, receivedAt });
  }

  private refuseMalformed(pending: Pending, msg: Buffer, error: string, receivedAt: number): void {
    // A truncated answer may be cut anywhere after the question (RFC 2181 §9).
    const prefix = peekTruncated(msg) ? decodeQuestionPrefix(msg) : undefined;
    if (prefix?.ok && prefix.header.qr && prefix.questions.length === 1) {
      const reason = mismatchReason(
        { header: prefix.header, questions: prefix.questions, answers: [], authorities: [], additionals: [] },
        pending.prepared,
      );
      if (reason === undefined) return this.finish(pending, { kind: 'truncated', sentAt: pending.sentAt, receivedAt });
    }
    this.stats.dropped.malformed++;
    pending.rejected = `malformed response from ${pending.target.label}: ${error}`;
  }

  private finish(pending: Pending, outcome: UdpOutcome): void {
    if (pending.done) return;
    pending.done = true;
    pending.aborts?.delete(pending);
    const slot = pending.slot;
    slot.inFlight.delete(pending.id);
    if (slot.retired && slot.inFlight.size === 0) this.sockets.drained(slot);
    this.heap.remove(pending);
    pending.resolve(outcome);
  }

  /** Settles every query in flight under an aborted signal; their IDs stay unused for the quarantine time. */
  private abortAll(pendings: Pending[]): void {
    const now = performance.now();
    for (const pending of pendings) {
      this.heap.remove(pending);
      this.quarantine(pending.slot, pending.id, now);
      this.finish(pending, {
        kind: 'error',
        reason: 'aborted',
        detail: `query to ${pending.target.label} aborted after ${Math.round(now - pending.sentAt)} ms`,
        sentAt: pending.sentAt,
      });
    }
    // Nothing left to time out: no timer should outlive the queries (it would keep the process up).
    if (this.heap.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
    }
  }

  private quarantine(slot: PoolSocket, id: number, now: number): void {
    // A retired socket takes no new query, and it closes once its last query
    // settles, after which the kernel drops whatever still comes to its port:
    // its quarantine would protect nothing.
    if (slot.retired) return;
    (slot.quarantineUntil ??= new Float64Array(65536))[id] = now + (this.options.idQuarantineMs ?? 10_000);
  }

  private armTimer(deadline: number): void {
    if (deadline >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = deadline;
    // Ceil: a timer that fires a fraction early would find nothing expired.
    this.timer = setTimeout(this.expire, Math.max(0, Math.ceil(deadline - performance.now())));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    for (let top = this.heap.peek(); top && top.deadline <= now; top = this.heap.peek()) {
      this.heap.remove(top); // before finish(), so the loop advances whatever state `top` is in
      this.quarantine(top.slot, top.id, now);
      this.finish(
        top,
        top.rejected === undefined
          ? { kind: 'timeout', sentAt: top.sentAt }
          : { kind: 'timeout', sentAt: top.sentAt, rejected: top.rejected },
      );
    }
    const next = this.heap.peek();
    if (next && !this.closed) this.armTimer(next.deadline);
  };
}

function abortedBeforeSending(target: ResolvedTarget): UdpOutcome {
  return { kind: 'error', reason: 'aborted', detail: `query to ${target.label} aborted before it was sent` };
}
