/**
 * One report into the rounds table, inside the caller's transaction: the same
 * rules as the SQLite store (a round never moves backwards; serial and
 * startedAt are fixed by the first report; order_ms non-decreasing along the
 * probe's sequence; the probes row keeps the newest round in the sequence).
 *
 * Several replicas may upsert at once. Everything here reads and then writes
 * one probe's rows (is the round stored? which rounds neighbour it in the
 * sequence?), so the transaction first takes a transaction-scoped advisory
 * lock on the probe: upserts of one probe run one after another across all
 * replicas, each seeing what the previous committed (READ COMMITTED takes a
 * fresh snapshot per statement), while different probes run in parallel.
 * The same round from two replicas: the second finds the first's row and
 * updates or leaves it; the UNIQUE (probe_id, round_id) key backs this up.
 */
import type { PopResult, RoundReport } from '@propwatch/shared';
import { isFurtherAlong } from '../round-order.js';
import { type PopRow, type RoundRow, popFromRow, roundFromRow } from '../round-rows.js';
import { serialKey } from '../round-sequence.js';
import { RoundConflictError, type StoredRound, type UpsertResult } from '../round-store.js';
import type { Queryable } from './pg-pool.js';

/** Advisory lock namespace (first key of pg_advisory_xact_lock(int, int)) of per-probe upserts: "pwrd". */
export const PROBE_LOCK_NAMESPACE = 0x70777264;

/** A probe's rounds in sequence order as a row value, compared with (serial_key, first_received_at, round_id). */
const SEQ = '(serial_key, first_received_at, round_id)';

const NEWEST = `(excluded.last_round_serial_key, excluded.last_round_first_received_at, excluded.last_round_id)
  >= (p.last_round_serial_key, p.last_round_first_received_at, p.last_round_id)`;
const ifNewest = (column: string) => `${column} = CASE WHEN ${NEWEST} THEN excluded.${column} ELSE p.${column} END`;

const UPSERT_PROBE = `INSERT INTO probes AS p (id, region, version, first_seen_at, last_seen_at, last_round_id,
    last_round_state, last_round_started_at_ms, last_round_serial_key, last_round_first_received_at, max_wait_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET
    last_seen_at = GREATEST(p.last_seen_at, excluded.last_seen_at),
    ${['region', 'version', 'last_round_id', 'last_round_state', 'last_round_started_at_ms', 'max_wait_ms']
      .concat(['last_round_first_received_at', 'last_round_serial_key'])
      .map(ifNewest)
      .join(',\n    ')}`;

const INSERT_POPS = `INSERT INTO pop_results (round_ref, position, pop, target, nsid, state, lower_ms, upper_ms,
    estimate_ms, queries, failures, rtt_ms, last_error)
  SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
    $9::float8[], $10::int8[], $11::int8[], $12::float8[], $13::text[])`;

async function writePops(q: Queryable, ref: number, pops: readonly PopResult[]): Promise<void> {
  if (pops.length === 0) return;
  const column = <T>(get: (pop: PopResult) => T) => pops.map(get);
  await q.query(INSERT_POPS, [
    ref,
    pops.map((_, position) => position),
    column((p) => p.pop),
    column((p) => p.target),
    column((p) => p.nsid ?? null),
    column((p) => p.state),
    column((p) => p.lowerMs),
    column((p) => p.upperMs ?? null),
    column((p) => p.estimateMs ?? null),
    column((p) => p.queries),
    column((p) => p.failures),
    column((p) => p.rttMs ?? null),
    column((p) => p.lastError ?? null),
  ]);
}

/**
 * The new round's order_ms: its start time, or the order_ms of the round before it in its probe's sequence when
 * that is later; the run of rounds after it that are below it is raised to it (see sqlite-store.ts).
 */
async function orderOf(q: Queryable, probe: string, key: string, first: number, id: string, startedAtMs: number) {
  const before = await q.query<{ order_ms: number }>(
    `SELECT order_ms FROM rounds WHERE probe_id = $1 AND ${SEQ} < ($2, $3, $4)
      ORDER BY serial_key DESC, first_received_at DESC, round_id DESC LIMIT 1`,
    [probe, key, first, id],
  );
  const orderMs = Math.max(startedAtMs, before.rows[0]?.order_ms ?? startedAtMs);
  const end = await q.query<{ serial_key: string; first_received_at: number; round_id: string }>(
    `SELECT serial_key, first_received_at, round_id FROM rounds WHERE probe_id = $1 AND ${SEQ} > ($2, $3, $4)
      AND order_ms >= $5 ORDER BY serial_key, first_received_at, round_id LIMIT 1`,
    [probe, key, first, id, orderMs],
  );
  const stop = end.rows[0];
  await q.query(
    `UPDATE rounds SET order_ms = $1 WHERE probe_id = $2 AND ${SEQ} > ($3, $4, $5)` +
      (stop ? ` AND ${SEQ} < ($6, $7, $8)` : ''),
    [orderMs, probe, key, first, id, ...(stop ? [stop.serial_key, stop.first_received_at, stop.round_id] : [])],
  );
  return orderMs;
}

/** Inserts or advances the round; returns the outcome and the round's row reference. Call inside a transaction. */
export async function upsertRoundRow(
  q: Queryable,
  report: RoundReport,
  receivedAt: number,
): Promise<{ result: UpsertResult; ref: number }> {
  const { probe, round } = report;
  await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PROBE_LOCK_NAMESPACE, probe.id]);
  const key = serialKey(round.serial);
  const startedAtMs = Date.parse(round.startedAt);
  const common = [
    round.zone,
    round.record,
    round.state,
    round.elapsedMs,
    round.write.submitToAckMs,
    round.write.error ?? null,
    round.maxWaitMs ?? null,
  ];
  const found = await q.query<RoundRow>('SELECT * FROM rounds WHERE probe_id = $1 AND round_id = $2', [
    probe.id,
    round.id,
  ]);
  const existing = found.rows[0];
  let previous: StoredRound | null = null;
  let ref: number;
  let outcome: UpsertResult['outcome'];
  if (!existing) {
    const orderMs = await orderOf(q, probe.id, key, receivedAt, round.id, startedAtMs);
    const inserted = await q.query<{ id: number }>(
      `INSERT INTO rounds (probe_id, round_id, probe_region, probe_version, zone, record, state, elapsed_ms,
        submit_to_ack_ms, write_error, max_wait_ms, serial, serial_key, started_at, started_at_ms, order_ms,
        first_received_at, received_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
      [
        probe.id,
        round.id,
        probe.region,
        probe.version,
        ...common,
        round.serial,
        key,
        round.startedAt,
        startedAtMs,
        orderMs,
        receivedAt,
        receivedAt,
      ],
    );
    ref = inserted.rows[0]!.id;
    await writePops(q, ref, round.pops);
    outcome = 'inserted';
  } else {
    if (existing.serial_key !== key) throw new RoundConflictError('serial', existing.serial, round.serial);
    if (existing.started_at_ms !== startedAtMs)
      throw new RoundConflictError('startedAt', existing.started_at, round.startedAt);
    ref = existing.id;
    const pops = await q.query<PopRow>('SELECT * FROM pop_results WHERE round_ref = $1 ORDER BY position', [ref]);
    previous = roundFromRow(existing, pops.rows.map(popFromRow));
    if (!isFurtherAlong({ state: existing.state, elapsedMs: existing.elapsed_ms }, round))
      return { result: { outcome: 'unchanged', previous, current: previous }, ref };
    await q.query(
      `UPDATE rounds SET probe_region = $1, probe_version = $2, zone = $3, record = $4, state = $5,
        elapsed_ms = $6, submit_to_ack_ms = $7, write_error = $8, max_wait_ms = $9, received_at = $10 WHERE id = $11`,
      [probe.region, probe.version, ...common, receivedAt, ref],
    );
    await q.query('DELETE FROM pop_results WHERE round_ref = $1', [ref]);
    await writePops(q, ref, round.pops);
    outcome = 'updated';
  }
  const firstReceivedAt = previous?.firstReceivedAt ?? receivedAt;
  await q.query(UPSERT_PROBE, [
    probe.id,
    probe.region,
    probe.version,
    receivedAt,
    receivedAt,
    round.id,
    round.state,
    startedAtMs,
    key,
    firstReceivedAt,
    round.maxWaitMs ?? null,
  ]);
  const current: StoredRound = {
    probe: { ...probe },
    ...round,
    serial: previous?.serial ?? round.serial,
    startedAt: previous?.startedAt ?? round.startedAt,
    firstReceivedAt,
    receivedAt,
  };
  return { result: { outcome, previous, current }, ref };
}
