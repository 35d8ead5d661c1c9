/**
 * The pool's sockets per address family, rotated for source-port
 * randomisation (RFC 5452 §9.2). Each socket carries at most
 * `maxQueriesPerSocket` queries and is used for at most `maxSocketAgeMs`;
 * then a fresh socket bound to port 0 (a random ephemeral port) takes its
 * place and the old one is retired: it takes no new queries, keeps receiving
 * until every query in flight on it has settled (answer or timeout), and then
 * closes. An off-path attacker who learned a port can use it for at most
 * those 500–1,000 queries, and must guess the ID as well.
 *
 * Each socket draws its own budget between half and all of each limit, so
 * the moment a port changes is not predictable from the query count, and
 * the sockets of a family, picked in turn, do not all change ports at once
 * (a server that spreads clients over threads by source port, SO_REUSEPORT
 * as Knot does, sees its load shift gradually rather than in steps).
 *
 * Make before break: the replacement is bound before the old socket is
 * retired (binding is synchronous, see `openPoolSocket`). If it cannot be
 * bound, the old socket keeps serving past its budget and the replacement is
 * tried again after `BIND_RETRY_MS`, so a bind failure never loses a query;
 * it is counted in `sockets.bindFailures`. Only when a family has no socket
 * at all does a query fail, as a `network` failure naming the bind error.
 */
import type dgram from 'node:dgram';
import { openPoolSocket, type OpenPoolSocket, type PooledSocket, type PoolSocketOptions } from './pool-socket.js';
import type { QuerierStats } from './results.js';

export interface RotationOptions extends PoolSocketOptions {
  /** Sockets in service per address family (default 4). */
  socketsPerFamily?: number;
  /** Queries one socket sends at most before a fresh one on a new random port replaces it (default 1000; 0 = no limit). */
  maxQueriesPerSocket?: number;
  /** Milliseconds a socket is used at most before it is replaced, checked when it is next picked (default 60,000; 0 = no limit). */
  maxSocketAgeMs?: number;
}

/**
 * 1,000 queries (so 500–1,000 with the jitter) cost about 1–3% of
 * bench/querier-throughput.mjs against Knot, within its run-to-run noise;
 * 500 (250–500) cost about 5% there. The direct cost is ~10 µs of CPU per
 * rotation; the rest is probably Knot's SO_REUSEPORT threads seeing ports
 * move (with one Knot UDP thread the loss was ~3% at 500).
 */
export const DEFAULT_MAX_QUERIES_PER_SOCKET = 1000;
export const DEFAULT_MAX_SOCKET_AGE_MS = 60_000;
/** After a failed bind, the family goes on with the sockets it has this long before trying again. */
export const BIND_RETRY_MS = 1000;

/** An integer in (limit/2, limit]; Math.random suffices for spreading rotations in time. */
function jitter(limit: number): number {
  return Math.max(1, limit - Math.floor((Math.random() * limit) / 2));
}

export class RotatingSockets<P> {
  private readonly active: { 4: PooledSocket<P>[]; 6: PooledSocket<P>[] } = { 4: [], 6: [] };
  private readonly retiring = new Set<PooledSocket<P>>();
  private readonly fillRetryAt = { 4: 0, 6: 0 };
  private readonly perFamily: number;
  private readonly maxQueries: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly options: RotationOptions,
    private readonly stats: QuerierStats['sockets'],
    private readonly onMessage: (slot: PooledSocket<P>, msg: Buffer, rinfo: dgram.RemoteInfo) => void,
    private readonly open: OpenPoolSocket = openPoolSocket,
  ) {
    this.perFamily = options.socketsPerFamily ?? 4;
    this.maxQueries = options.maxQueriesPerSocket ?? DEFAULT_MAX_QUERIES_PER_SOCKET;
    this.maxAgeMs = options.maxSocketAgeMs ?? DEFAULT_MAX_SOCKET_AGE_MS;
  }

  /**
   * The family's sockets in service, opened lazily up to `socketsPerFamily`;
   * the bind error when there is none at all.
   */
  inService(family: 4 | 6, now: number): PooledSocket<P>[] | string {
    const list = this.active[family];
    if (list.length < this.perFamily && now >= this.fillRetryAt[family]) {
      const slot = this.openSlot(family, now);
      if (typeof slot !== 'string') list.push(slot);
      else if (list.length === 0) return slot;
      else this.fillRetryAt[family] = now + BIND_RETRY_MS;
    }
    return list;
  }

  /** `list[index]`, first replaced by a fresh socket if it has used up its queries or its time. */
  take(list: PooledSocket<P>[], index: number, now: number): PooledSocket<P> {
    const slot = list[index]!;
    if ((slot.sent < slot.budget && now < slot.retireAt) || now < slot.retryAt) return slot;
    const fresh = this.openSlot(slot.family, now);
    if (typeof fresh === 'string') {
      slot.retryAt = now + BIND_RETRY_MS;
      return slot;
    }
    list[index] = fresh;
    this.stats.rotated++;
    slot.retired = true;
    if (slot.inFlight.size === 0) this.closeSlot(slot);
    else this.retiring.add(slot);
    return fresh;
  }

  /** Call when the last query in flight on a retired socket has settled. */
  drained(slot: PooledSocket<P>): void {
    this.retiring.delete(slot);
    this.closeSlot(slot);
  }

  /** Every open socket, in service or retiring. */
  *all(): IterableIterator<PooledSocket<P>> {
    yield* this.active[4];
    yield* this.active[6];
    yield* this.retiring;
  }

  /** Closes every socket (the caller settles their queries first). */
  closeAll(): void {
    for (const slot of [...this.all()]) this.closeSlot(slot);
    this.active[4] = [];
    this.active[6] = [];
    this.retiring.clear();
  }

  private openSlot(family: 4 | 6, now: number): PooledSocket<P> | string {
    const slot: PooledSocket<P> | string = this.open<P>(family, this.options, (msg, rinfo) =>
      this.onMessage(slot as PooledSocket<P>, msg, rinfo),
    );
    if (typeof slot === 'string') {
      this.stats.bindFailures++;
      return slot;
    }
    this.stats.opened++;
    slot.budget = this.maxQueries > 0 ? jitter(this.maxQueries) : Infinity;
    slot.retireAt = this.maxAgeMs > 0 ? now + jitter(this.maxAgeMs) : Infinity;
    return slot;
  }

  private closeSlot(slot: PooledSocket<P>): void {
    // A late answer to a closed socket is dropped by the kernel (port
    // unreachable): it cannot reach any query, so the ID quarantine of a
    // retired socket ends with it.
    slot.socket.close();
    this.stats.closed++;
  }
}
