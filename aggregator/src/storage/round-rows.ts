/** Mapping between SQLite rows and StoredRound / PopResult. */
import type { PopResult, RoundState } from '@propwatch/shared';
import type { StoredRound } from './round-store.js';

export interface RoundRow {
  id: number;
  probe_id: string;
  round_id: string;
  probe_region: string;
  probe_version: string;
  zone: string;
  record: string;
  serial: string;
  serial_key: string;
  started_at: string;
  started_at_ms: number;
  order_ms: number;
  max_wait_ms: number | null;
  state: RoundState;
  elapsed_ms: number;
  submit_to_ack_ms: number;
  write_error: string | null;
  first_received_at: number;
  received_at: number;
}

export interface PopRow {
  round_ref: number;
  position: number;
  pop: string;
  target: string;
  nsid: string | null;
  state: PopResult['state'];
  lower_ms: number;
  upper_ms: number | null;
  estimate_ms: number | null;
  queries: number;
  failures: number;
  rtt_ms: number | null;
  last_error: string | null;
}

export function popFromRow(row: PopRow): PopResult {
  const pop: PopResult = {
    pop: row.pop,
    target: row.target,
    state: row.state,
    lowerMs: row.lower_ms,
    queries: row.queries,
    failures: row.failures,
  };
  if (row.nsid !== null) pop.nsid = row.nsid;
  if (row.upper_ms !== null) pop.upperMs = row.upper_ms;
  if (row.estimate_ms !== null) pop.estimateMs = row.estimate_ms;
  if (row.rtt_ms !== null) pop.rttMs = row.rtt_ms;
  if (row.last_error !== null) pop.lastError = row.last_error;
  return pop;
}

export function popToParams(roundRef: number, position: number, pop: PopResult): unknown[] {
  return [
    roundRef,
    position,
    pop.pop,
    pop.target,
    pop.nsid ?? null,
    pop.state,
    pop.lowerMs,
    pop.upperMs ?? null,
    pop.estimateMs ?? null,
    pop.queries,
    pop.failures,
    pop.rttMs ?? null,
    pop.lastError ?? null,
  ];
}

export function roundFromRow(row: RoundRow, pops: PopResult[]): StoredRound {
  const write: StoredRound['write'] = { submitToAckMs: row.submit_to_ack_ms };
  if (row.write_error !== null) write.error = row.write_error;
  return {
    probe: { id: row.probe_id, region: row.probe_region, version: row.probe_version },
    id: row.round_id,
    zone: row.zone,
    record: row.record,
    serial: row.serial,
    startedAt: row.started_at,
    state: row.state,
    elapsedMs: row.elapsed_ms,
    ...(row.max_wait_ms === null ? {} : { maxWaitMs: row.max_wait_ms }),
    write,
    pops,
    firstReceivedAt: row.first_received_at,
    receivedAt: row.received_at,
  };
}

/** Joins rounds with their POP results (ordered by round_ref, position) in the rounds' order. */
export function withPops(rows: readonly RoundRow[], pops: readonly PopRow[]): StoredRound[] {
  const popsByRound = new Map<number, PopResult[]>();
  for (const row of pops) {
    const list = popsByRound.get(row.round_ref) ?? [];
    list.push(popFromRow(row));
    popsByRound.set(row.round_ref, list);
  }
  return rows.map((row) => roundFromRow(row, popsByRound.get(row.id) ?? []));
}
