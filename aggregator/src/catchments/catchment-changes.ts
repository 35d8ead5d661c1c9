/**
 * Catchment changes (issue 15): when the instance a probe reaches through an address changes — between rounds,
 * or mid-round (the round then lists the old instance `rerouted`) — an event is stored, so the dashboard and
 * /api/v1/coverage can show when a region's route moved. Pure: the ingest route compares the probe's newest
 * round before and after a report (only the newest round in sequence: a replayed older round would flip back).
 */
import type { PopResult } from '@propwatch/shared';
import type { StoredRound } from '../storage/round-store.js';
import { namesPop } from '../cardinality/pop-registry.js';

/** One change of a probe's catchment for an address. */
export interface CatchmentChange {
  probe: string;
  via: string;
  /** The POP answering before; null when the address answered nothing (unreachable). */
  fromPop: string | null;
  /** The POP answering now; null when the address stopped answering. */
  toPop: string | null;
  roundId: string;
  /** Aggregator clock (ms) of the report that showed it. */
  at: number;
}

/** Stored events at most: the oldest go first beyond it (besides the retention). */
export const MAX_CATCHMENT_CHANGES = 100_000;

const viaOf = (result: PopResult) => result.via ?? result.pop;

/** Per address, the POP answering at the end of the round so far (null: unreachable); rerouted ones left. */
function answering(round: StoredRound): Map<string, string | null> {
  const map = new Map<string, string | null>();
  for (const result of round.pops)
    if (result.state !== 'rerouted') map.set(viaOf(result), namesPop(result) ? result.pop : null);
  return map;
}

/**
 * The changes `current` shows against `prior` (the probe's newest measured round before this report: the same
 * round's previous report, or the round before). An address first seen is no change; one the prior round did
 * not list is compared with the instance this round left (`rerouted`), if any.
 */
export function findCatchmentChanges(prior: StoredRound | null, current: StoredRound, at: number): CatchmentChange[] {
  const before = prior ? answering(prior) : new Map<string, string | null>();
  const left = new Map<string, string>();
  for (const result of current.pops) if (result.state === 'rerouted') left.set(viaOf(result), result.pop);
  const changes: CatchmentChange[] = [];
  for (const [via, toPop] of answering(current)) {
    const fromPop = before.has(via) ? before.get(via)! : (left.get(via) ?? undefined);
    if (fromPop === undefined || fromPop === toPop) continue;
    changes.push({ probe: current.probe.id, via, fromPop, toPop, roundId: current.id, at });
  }
  return changes;
}
