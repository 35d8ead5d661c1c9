/**
 * The vantages at run time: which vantage a source address belongs to, the
 * current catchment of each (moved by the `reroute` fault), the seeded
 * jitter and loss streams, counters, and a bounded log of reroutes.
 */
import type { Clock } from '@propwatch/shared';
import type { AnycastSpec } from './anycast-addresses.js';
import { type Moment, momentOf } from './moment.js';
import { deriveSeed, mulberry32, type Random } from './prng.js';
import { DEFAULT_VANTAGE, type VantageDefinition, checkPop, normalizeSource } from './vantages.js';

export interface VantageCounters {
  /** Queries received from this vantage (any address, any transport). */
  queries: number;
  /** Answers sent back. */
  answered: number;
  /** UDP queries lost on the way (`udpLossRate`). */
  lost: number;
  /** Queries dropped because the vantage already had `maxPendingPerVantage` (or bytes) in flight. */
  overflow: number;
  /** In flight right now: on the way to a POP or back. */
  pending: number;
  pendingBytes: number;
}

/** One vantage at run time. */
export interface Vantage {
  readonly def: VantageDefinition;
  /** Anycast address name → POP now. */
  readonly catchment: Map<string, string>;
  readonly counters: VantageCounters;
  /** One way's jitter (ms): uniform in [0, jitterMs / 2), from the vantage's own seeded stream. */
  jitter(): number;
  /** Whether the next UDP query is lost, from the vantage's own seeded stream. */
  loses(): boolean;
}

export interface RerouteEvent {
  at: Moment;
  vantage: string;
  address: string;
  from: string;
  to: string;
  by: 'admin' | 'schedule' | 'call';
}

/** What GET /admin/vantages and the ready line show of a vantage. */
export interface VantageStatus extends VantageDefinition {
  counters: VantageCounters;
}

/** A reroute request naming an unknown vantage, address or POP (a caller error: 400 over HTTP). */
export class RerouteError extends Error {
  override readonly name = 'RerouteError';
}

/** Reroutes remembered for GET /admin/vantages and the truth; older ones are forgotten. */
export const MAX_REROUTE_LOG = 1000;

export class VantageTable {
  private readonly byName = new Map<string, Vantage>();
  private readonly bySource = new Map<string, Vantage>();
  private readonly fallback: Vantage;
  private readonly log: RerouteEvent[] = [];
  private changes = 0;

  constructor(
    defs: readonly VantageDefinition[],
    private readonly anycast: readonly AnycastSpec[],
    private readonly pops: readonly { name: string }[],
    private readonly clock: Pick<Clock, 'monotonicNow'>,
    seed: number,
  ) {
    for (const def of defs) {
      const vantage = createVantage(def, seed);
      this.byName.set(def.name, vantage);
      for (const source of def.sources) this.bySource.set(source, vantage);
    }
    const fallback = this.byName.get(DEFAULT_VANTAGE);
    if (!fallback) throw new Error('bug: no default vantage (resolveVantages adds it)');
    this.fallback = fallback;
  }

  /** The vantage a query from `address` comes from; unknown sources belong to `default`. */
  forSource(address: string): Vantage {
    return this.bySource.get(address) ?? this.bySource.get(address.replace(/^::ffff:/i, '')) ?? this.fallback;
  }

  get(name: string): Vantage | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): VantageStatus[] {
    return [...this.byName.values()].map((v) => ({
      ...v.def,
      sources: [...v.def.sources],
      catchment: Object.fromEntries(v.catchment),
      counters: { ...v.counters },
    }));
  }

  /** Moves a vantage's catchment for an anycast address (name or IP); queries on their way keep theirs. */
  reroute(vantage: unknown, address: unknown, pop: unknown, by: RerouteEvent['by']): RerouteEvent {
    const target = typeof vantage === 'string' ? this.byName.get(vantage.toLowerCase()) : undefined;
    if (!target)
      throw new RerouteError(
        `vantage: unknown vantage ${JSON.stringify(vantage)}; vantages: ${this.names().join(', ')}`,
      );
    const named =
      typeof address === 'string'
        ? this.anycast.find((a) => a.name === address.toLowerCase() || a.address === address)
        : undefined;
    if (!named)
      throw new RerouteError(
        `address: unknown anycast address ${JSON.stringify(address)}; addresses: ${
          this.anycast.map((a) => `${a.name} (${a.address})`).join(', ') || '(none: anycast is off)'
        }`,
      );
    let to: string;
    try {
      to = checkPop(pop, 'pop', this.pops);
    } catch (error) {
      throw new RerouteError((error as Error).message);
    }
    const event: RerouteEvent = {
      at: momentOf(this.clock),
      vantage: target.def.name,
      address: named.name,
      from: target.catchment.get(named.name)!,
      to,
      by,
    };
    target.catchment.set(named.name, to);
    if (event.from !== to) {
      this.changes++;
      this.log.push(event);
      if (this.log.length > MAX_REROUTE_LOG) this.log.splice(0, this.log.length - MAX_REROUTE_LOG);
    }
    return event;
  }

  /** Catchment changes over the whole run. */
  rerouteCount(): number {
    return this.changes;
  }

  /** Catchment changes (from ≠ to), oldest first, the last MAX_REROUTE_LOG. */
  reroutes(): RerouteEvent[] {
    return this.log.map((event) => ({ ...event }));
  }
}

function createVantage(def: VantageDefinition, seed: number): Vantage {
  const jitterRandom: Random = mulberry32(deriveSeed(seed, `jitter:${def.name}`));
  const lossRandom: Random = mulberry32(deriveSeed(seed, `loss:${def.name}`));
  return {
    def: { ...def, sources: def.sources.map((s) => normalizeSource(s)) },
    catchment: new Map(Object.entries(def.catchment)),
    counters: { queries: 0, answered: 0, lost: 0, overflow: 0, pending: 0, pendingBytes: 0 },
    jitter: () => (def.jitterMs > 0 ? (jitterRandom() * def.jitterMs) / 2 : 0),
    loses: () => def.udpLossRate > 0 && lossRandom() < def.udpLossRate,
  };
}
