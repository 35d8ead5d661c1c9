/**
 * The (probe, POP) series the aggregator keeps, in memory: what bounds its
 * cardinality. A report may only name POPs on the `expectedPops` list (when
 * one is configured) and may not take its probe past `popsPerProbe` distinct
 * POPs within retention; the rollups, the Prometheus series and
 * /api/v1/pops are all per (probe, POP), so this bounds them all. Restored
 * from storage at start; series not seen within retention expire on the
 * prune timer. Pure apart from the times passed in.
 */
import type { PopResult } from '@propwatch/shared';
import type { SeriesRecord } from '../storage/round-store.js';
import { type ExpectedPops, describeExpected } from './expected-pops.js';

/**
 * Whether a result names a POP. An unreachable anycast target has no instance to name: its `pop` is the
 * target's name (ns1), so it is neither checked against expectedPops (the report would be refused whole for
 * a loss of observation) nor kept as a POP series (ns1 would show as a POP in /api/v1/pops and coverage).
 */
export function namesPop(result: Pick<PopResult, 'state' | 'targetKind'>): boolean {
  return !(result.state === 'unreachable' && result.targetKind === 'anycast');
}

export type Admission =
  { ok: true } | { ok: false; code: 'PROPWATCH_UNEXPECTED_POP' | 'PROPWATCH_POP_LIMIT'; message: string };

/** New POP names quoted in a refusal: enough to recognise the pattern, never the whole (hostile) list. */
const QUOTED = 5;

export class PopRegistry {
  readonly #byProbe = new Map<string, Map<string, number>>();
  #series = 0;
  /** knownPops' answer, kept until a new POP is seen or a series expires (it is read on every status evaluation). */
  #known: ReadonlySet<string> | null = null;

  constructor(private readonly limits: { popsPerProbe: number; expected: ExpectedPops | null }) {}

  /** Seeds from storage (at start). */
  restore(records: readonly SeriesRecord[]): void {
    for (const { probe, pop, lastSeenAt } of records) this.#touch(probe, pop, lastSeenAt);
  }

  /**
   * Whether a report's POPs may be stored; if so, marks them seen at `now` (new ones count against the cap at
   * once, so two reports in one burst cannot both slip under it).
   */
  admit(probe: string, results: readonly Pick<PopResult, 'pop' | 'state' | 'targetKind'>[], now: number): Admission {
    const { expected, popsPerProbe } = this.limits;
    const pops = results.filter(namesPop);
    if (expected) {
      const index = results.findIndex((entry) => namesPop(entry) && !expected.has(entry.pop));
      const offender = results[index];
      if (offender) {
        return {
          ok: false,
          code: 'PROPWATCH_UNEXPECTED_POP',
          message:
            `body.round.pops[${index}].pop: "${offender.pop}" is not in expectedPops (${describeExpected(expected)}); ` +
            "add it to the aggregator's expectedPops if it is a new POP",
        };
      }
    }
    const known = this.#byProbe.get(probe);
    const fresh = [...new Set(pops.map((entry) => entry.pop))].filter((pop) => !known?.has(pop));
    const total = (known?.size ?? 0) + fresh.length;
    if (total > popsPerProbe) {
      const quoted = fresh
        .slice(0, QUOTED)
        .map((pop) => `"${pop}"`)
        .join(', ');
      return {
        ok: false,
        code: 'PROPWATCH_POP_LIMIT',
        message:
          `probe "${probe}" would report ${total} distinct POPs within retention, above limits.popsPerProbe ` +
          `(${popsPerProbe}): ${known?.size ?? 0} known, ${fresh.length} new (${quoted}${fresh.length > QUOTED ? ', …' : ''}); ` +
          'raise limits.popsPerProbe if this probe really watches that many',
      };
    }
    for (const entry of pops) this.#touch(probe, entry.pop, now);
    return { ok: true };
  }

  /** Drops series last seen before `olderThan`; returns them (their metric series go too). */
  expire(olderThan: number): { probe: string; pop: string }[] {
    const gone: { probe: string; pop: string }[] = [];
    for (const [probe, pops] of this.#byProbe) {
      for (const [pop, lastSeenAt] of pops) {
        if (lastSeenAt >= olderThan) continue;
        pops.delete(pop);
        this.#series -= 1;
        this.#known = null;
        gone.push({ probe, pop });
      }
      if (pops.size === 0) this.#byProbe.delete(probe);
    }
    return gone;
  }

  /** Series matching the filters. */
  count(filter: { probe?: string | undefined; pop?: string | undefined } = {}): number {
    if (filter.probe !== undefined) {
      const pops = this.#byProbe.get(filter.probe);
      if (!pops) return 0;
      return filter.pop === undefined ? pops.size : pops.has(filter.pop) ? 1 : 0;
    }
    if (filter.pop === undefined) return this.#series;
    let n = 0;
    for (const pops of this.#byProbe.values()) if (pops.has(filter.pop)) n += 1;
    return n;
  }

  /** Distinct probes or POP names among the series matching the filters. */
  groups(by: 'probe' | 'pop' | 'all', filter: { probe?: string | undefined; pop?: string | undefined } = {}): number {
    if (by === 'all') return 1;
    const names = new Set<string>();
    for (const [probe, pops] of this.#byProbe) {
      if (filter.probe !== undefined && probe !== filter.probe) continue;
      for (const pop of pops.keys()) {
        if (filter.pop !== undefined && pop !== filter.pop) continue;
        names.add(by === 'probe' ? probe : pop);
      }
    }
    return names.size;
  }

  /**
   * Every POP some probe has a series for (what popsSeenSince(-Infinity) names), as one set kept until a new POP is
   * seen or a series expires: callers must not change it.
   */
  knownPops(): ReadonlySet<string> {
    if (!this.#known) {
      const known = new Set<string>();
      for (const pops of this.#byProbe.values()) for (const pop of pops.keys()) known.add(pop);
      this.#known = known;
    }
    return this.#known;
  }

  /** POPs with their latest sighting (any probe) at or after `since`, by name. */
  popsSeenSince(since: number): Map<string, number> {
    const seen = new Map<string, number>();
    for (const pops of this.#byProbe.values())
      for (const [pop, lastSeenAt] of pops)
        if (lastSeenAt >= since) seen.set(pop, Math.max(seen.get(pop) ?? lastSeenAt, lastSeenAt));
    return seen;
  }

  #touch(probe: string, pop: string, at: number): void {
    let pops = this.#byProbe.get(probe);
    if (!pops) {
      pops = new Map();
      this.#byProbe.set(probe, pops);
    }
    const previous = pops.get(pop);
    if (previous === undefined) {
      this.#series += 1;
      if (this.#known && !this.#known.has(pop)) this.#known = null;
    }
    pops.set(pop, Math.max(previous ?? at, at));
  }
}
