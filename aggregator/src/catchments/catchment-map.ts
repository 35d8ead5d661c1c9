/**
 * The catchment map: which probe sees which POP through which address (probe → via → pop), from each probe's
 * latest measured round in the analysis window. While a round runs, an address it has no result for yet keeps
 * the previous complete round's entries (a round start is not a catchment change). After a mid-round reroute
 * the round lists both instances of the address: the old one `rerouted`, the new one with its own state.
 * An unreachable anycast address has no POP (`pop: null`).
 */
import type { PopResult, PopState, TargetKind } from '@propwatch/shared';
import { namesPop } from '../cardinality/pop-registry.js';
import type { StoredRound } from '../storage/round-store.js';
import type { ProbeView } from '../status/evaluate-status.js';

export interface CatchmentEntry {
  probe: string;
  /** The configured target name (ns1); for results of older probes, the POP. */
  via: string;
  /** The POP that answered; null when nothing answered (unreachable anycast address). */
  pop: string | null;
  targetKind: TargetKind;
  state: PopState;
  /** The instance identity the probe reported (NSID or id.server), as text. */
  nsid?: string;
  roundId: string;
  /** When that round's last report arrived (aggregator clock, ISO). */
  reportedAt: string;
  /** Whether the probe reported within status.staleAfterMs. */
  fresh: boolean;
}

const entryOf = (probe: ProbeView, round: StoredRound, result: PopResult, fresh: boolean): CatchmentEntry => ({
  probe: probe.id,
  via: result.via ?? result.pop,
  pop: namesPop(result) ? result.pop : null,
  targetKind: result.targetKind ?? 'unicast',
  state: result.state,
  ...(result.nsid !== undefined ? { nsid: result.nsid } : {}),
  roundId: round.id,
  reportedAt: new Date(round.receivedAt).toISOString(),
  fresh,
});

/** Every probe's catchment entries, sorted by probe, via, pop. */
export function catchmentMap(
  views: readonly ProbeView[],
  settings: { windowMs: number; staleAfterMs: number },
  now: number,
): CatchmentEntry[] {
  const since = now - settings.windowMs;
  const entries: CatchmentEntry[] = [];
  for (const view of views) {
    const latest = view.latestMeasured;
    if (!latest || latest.receivedAt < since) continue;
    const fresh = view.lastReportAt !== null && view.lastReportAt >= now - settings.staleAfterMs;
    const vias = new Set<string>();
    for (const result of latest.pops) {
      vias.add(result.via ?? result.pop);
      entries.push(entryOf(view, latest, result, fresh));
    }
    const previous = view.previousComplete;
    if (latest.state === 'running' && previous && previous.receivedAt >= since) {
      for (const result of previous.pops)
        if (!vias.has(result.via ?? result.pop)) entries.push(entryOf(view, previous, result, fresh));
    }
  }
  const key = (e: CatchmentEntry) => `${e.probe}\u0000${e.via}\u0000${e.pop ?? ''}`;
  return entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
