/** Compares what the probes saw (their ledgers) with what the aggregator stored. */
import type { RoundState } from '@propwatch/shared';
import { isAtLeast, type ProbeLedger } from './probe-ledger.js';

export interface StoredRoundState {
  probe: string;
  id: string;
  state: RoundState;
}

export interface LedgerComparison {
  /** Acknowledged rounds missing from the store, or stored less far along than acknowledged. */
  lostAcks: string[];
  /** Finished rounds not stored in their final state. */
  undelivered: string[];
  /** Stored rounds the probe never finished (interrupted rounds: their last progress report). */
  unfinished: StoredRoundState[];
  acknowledgedRounds: number;
  acknowledgedReports: number;
  finishedRounds: number;
  storedRounds: number;
}

export function compareLedgers(
  ledgers: ReadonlyMap<string, ProbeLedger>,
  stored: readonly StoredRoundState[],
): LedgerComparison {
  const byId = new Map(stored.map((round) => [round.id, round]));
  const result: LedgerComparison = {
    lostAcks: [],
    undelivered: [],
    unfinished: [],
    acknowledgedRounds: 0,
    acknowledgedReports: 0,
    finishedRounds: 0,
    storedRounds: 0,
  };
  for (const [probe, ledger] of ledgers) {
    result.acknowledgedReports += ledger.acks;
    result.acknowledgedRounds += ledger.acked.size;
    result.finishedRounds += ledger.finished.size;
    for (const [id, state] of ledger.acked) {
      const round = byId.get(id);
      if (!round || !isAtLeast(round.state, state))
        result.lostAcks.push(`${id} acknowledged ${state}, stored ${round?.state ?? 'nothing'}`);
    }
    for (const [id, state] of ledger.finished) {
      if (byId.get(id)?.state !== state)
        result.undelivered.push(`${id} finished ${state}, stored ${byId.get(id)?.state ?? 'nothing'}`);
    }
    for (const round of stored) {
      if (round.probe !== probe) continue;
      result.storedRounds += 1;
      if (!ledger.finished.has(round.id)) result.unfinished.push(round);
    }
  }
  return result;
}
