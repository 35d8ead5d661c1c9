/**
 * The POP × probe matrix of the dashboard, built from the status evaluation itself (the observations the
 * status was computed from, previous-round carry-over included), so the table can never show a figure the
 * banner does not: a POP stuck in a timeout keeps its censored figure in the alarm colour while the next round
 * runs, instead of a fresh "pending 0 s" that reads like recovery. Pure: the route gathers, this decides.
 */
import type { PopState } from '@propwatch/shared';
import type { Observation, ObservationKind } from '../analysis/observations.js';
import { alarmFigure, isWorse } from '../analysis/worst-case.js';
import type { ProbeView, StatusEvaluation } from '../status/evaluate-status.js';
import type { StoredRound } from '../storage/round-store.js';

export type Severity = 'ok' | 'warn' | 'bad' | 'pending';
/** reporting: fresh; silent: configured, no report within staleAfterMs (or never); left: no longer configured. */
export type Presence = 'reporting' | 'silent' | 'left';

export interface MatrixCell {
  probe: string;
  pop: string;
  target: string;
  /** The server identity (NSID) the POP answered with, when the probe asked for it. */
  nsid: string | null;
  /** How many targets (IPv4, IPv6) this probe measures the POP through; the cell shows the worst. */
  targets: number;
  state: PopState;
  kind: ObservationKind;
  ms: number;
  lowerMs: number;
  upperMs: number | null;
  roundId: string;
  serial: string;
  /** The figure comes from the probe's previous complete round (its running round has not resolved the POP). */
  carried: boolean;
  /** Aggregator time (ms) since which the POP is known not to serve; null for a measured figure. */
  since: number | null;
  severity: Severity;
  /** The status counts this probe in the POP's breach (over the threshold in force). */
  breaching: boolean;
}

export interface MatrixRow {
  pop: string;
  /** The POP is the one the status is in alarm for. */
  alarm: boolean;
  worst: MatrixCell;
  cells: MatrixCell[];
}

export interface MatrixProbe {
  id: string;
  region: string | null;
  presence: Presence;
  lastReportAt: number | null;
  /** The probe's latest measured round: its state and how many POP results timed out. */
  round: { id: string; state: StoredRound['state']; timeouts: number; pops: number } | null;
}

export interface ProbeRecordLike {
  id: string;
  region: string | null;
  lastSeenAt: number | null;
}

export interface MatrixInput {
  evaluation: StatusEvaluation;
  views: readonly ProbeView[];
  /** Probes the store remembers (those no longer configured among them). */
  records: readonly ProbeRecordLike[];
  settings: { alarmAboveMs: number; clearBelowMs: number; staleAfterMs: number };
  now: number;
  /** Missing-since per (probe, POP), kept between calls (see StuckSince). */
  sinceOf: (cell: Omit<MatrixCell, 'since'>, seed: number) => number;
}

/** When the round's serial was acknowledged, on the aggregator clock: every lowerMs counts from there. */
export function ackTime(round: StoredRound): number {
  return round.receivedAt - round.elapsedMs + round.write.submitToAckMs;
}

function severityOf(o: Observation, breaching: boolean, settings: MatrixInput['settings']): Severity {
  if (breaching || alarmFigure(o) > settings.alarmAboveMs) return 'bad';
  if (o.ms >= settings.clearBelowMs) return 'warn';
  return o.kind === 'measured' ? 'ok' : 'pending';
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildMatrix(input: MatrixInput): { rows: MatrixRow[]; probes: MatrixProbe[] } {
  const { evaluation, views, settings, now } = input;
  const rounds = new Map<string, StoredRound>();
  for (const view of views) {
    for (const round of [view.latestMeasured, view.previousComplete]) if (round) rounds.set(round.id, round);
  }
  const latestId = new Map(views.map((view) => [view.id, view.latestMeasured?.id]));
  const breaching = new Set(evaluation.breaches.flatMap((b) => b.probes.map((p) => `${p}\u0000${b.pop}`)));

  // One cell per (probe, POP): the worst of its targets, as the status compares them.
  const best = new Map<string, { o: Observation; targets: number }>();
  for (const o of evaluation.observations) {
    const key = `${o.probe}\u0000${o.pop}`;
    const seen = best.get(key);
    if (!seen) best.set(key, { o, targets: 1 });
    else best.set(key, { o: isWorse(o, seen.o) ? o : seen.o, targets: seen.targets + 1 });
  }
  const rowsByPop = new Map<string, { cell: MatrixCell; o: Observation }[]>();
  for (const [key, { o, targets }] of best) {
    const round = rounds.get(o.roundId);
    const inBreach = breaching.has(key);
    const fields = {
      probe: o.probe,
      pop: o.pop,
      target: o.target,
      nsid: round?.pops.find((p) => p.pop === o.pop && p.target === o.target)?.nsid ?? null,
      targets,
      state: o.state,
      kind: o.kind,
      ms: o.ms,
      lowerMs: o.lowerMs,
      upperMs: o.upperMs ?? null,
      roundId: o.roundId,
      serial: o.serial,
      carried: latestId.get(o.probe) !== o.roundId,
      severity: severityOf(o, inBreach, settings),
      breaching: inBreach,
    };
    const since = o.kind === 'measured' || !round ? null : input.sinceOf(fields, ackTime(round));
    const list = rowsByPop.get(o.pop) ?? [];
    list.push({ cell: { ...fields, since }, o });
    rowsByPop.set(o.pop, list);
  }
  const ranked = [...rowsByPop.entries()].map(([pop, list]) => ({
    pop,
    alarm: evaluation.alarmPop === pop,
    worst: list.reduce((a, b) => (isWorse(b.o, a.o) ? b : a)),
    cells: list.map((entry) => entry.cell).sort((a, b) => byName(a.probe, b.probe)),
  }));
  // Worst first, as the status ranks them (a timeout before any figure); the POP in alarm on top.
  ranked.sort(
    (a, b) =>
      Number(b.alarm) - Number(a.alarm) ||
      (isWorse(a.worst.o, b.worst.o) ? -1 : isWorse(b.worst.o, a.worst.o) ? 1 : 0) ||
      byName(a.pop, b.pop),
  );
  const rows = ranked.map(({ pop, alarm, worst, cells }) => ({ pop, alarm, worst: worst.cell, cells }));

  const configured = new Set(views.map((v) => v.id));
  const region = new Map(input.records.map((r) => [r.id, r.region]));
  const probes: MatrixProbe[] = views.map((view) => {
    const round = view.latestMeasured;
    const fresh = view.lastReportAt !== null && view.lastReportAt >= now - settings.staleAfterMs;
    return {
      id: view.id,
      region: region.get(view.id) ?? round?.probe.region ?? null,
      presence: fresh ? 'reporting' : 'silent',
      lastReportAt: view.lastReportAt,
      round: round
        ? {
            id: round.id,
            state: round.state,
            timeouts: round.pops.filter((p) => p.state === 'timeout').length,
            pops: round.pops.length,
          }
        : null,
    };
  });
  for (const record of input.records) {
    if (configured.has(record.id)) continue;
    probes.push({
      id: record.id,
      region: record.region,
      presence: 'left',
      lastReportAt: record.lastSeenAt,
      round: null,
    });
  }
  probes.sort((a, b) => byName(a.id, b.id));
  return { rows, probes };
}
