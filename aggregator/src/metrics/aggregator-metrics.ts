/**
 * The aggregator's Prometheus metrics, on a Registry of their own (never the
 * global one, so several apps in one process — tests — do not collide).
 */
import * as promClient from 'prom-client';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics, type AlarmState, type Status } from '@propwatch/shared';
import type { Observation } from '../analysis/observations.js';
import { namesPop } from '../cardinality/pop-registry.js';
import { quorumWorstMs } from '../status/quorum-worst.js';
import type { Coverage } from '../catchments/coverage.js';
import type { UpsertResult } from '../storage/round-store.js';
import { findTransitions } from './round-transitions.js';

const secondsOrNaN = (ms: number | null) => (ms === null ? Number.NaN : ms / 1000);

/** 50 ms to 5 min: from a fast anycast edge to a stuck secondary. */
export const PROPAGATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 300];
export const ALARM_STATES: readonly AlarmState[] = ['ok', 'alarm', 'stale', 'degraded'];
export const INGEST_RESULTS = [
  'inserted',
  'updated',
  'unchanged',
  'invalid',
  'unauthorized',
  'forbidden',
  'rate_limited',
  'too_large',
  'error',
] as const;
export type IngestResult = (typeof INGEST_RESULTS)[number];

export interface MetricsSources {
  probeIds: readonly string[];
  status: () => Status;
  /** The figures the current status was evaluated from (StatusEvaluation.observations). */
  observations: () => readonly Observation[];
  /** The POPs the alarm is raised on (findAlarmPops), empty unless the state is alarm. */
  alarmPops: () => readonly string[];
  /** The quorum worst of the current evaluation (StatusEvaluation.quorumWorstMs, quorum under anycast included). */
  quorumWorstMs: () => number | null;
  /** The coverage of the current evaluation (StatusEvaluation.coverage). */
  coverage: () => Coverage;
  /** Aggregator clock (ms) of each configured probe's last accepted report, null if never. */
  lastReports: () => ReadonlyMap<string, number | null>;
}

export class AggregatorMetrics {
  readonly registry = new Registry();
  readonly propagation: Histogram<'probe' | 'pop'>;
  readonly timeouts: Counter<'probe' | 'pop'>;
  readonly queryFailures: Counter<'probe' | 'pop'>;
  readonly writeFailures: Counter<'probe'>;
  readonly ingestReports: Counter<'result'>;
  readonly ingestDuration: Histogram;
  readonly webhookDeliveries: Counter<'result'>;
  /** (probe, POP) pairs whose series exist (seeSeries). */
  readonly #seen = new Set<string>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.propagation = new Histogram({
      name: 'propwatch_propagation_seconds',
      help: 'Time from write acknowledgement until a POP served the serial (midpoint estimate), per probe and POP.',
      labelNames: ['probe', 'pop'],
      buckets: PROPAGATION_BUCKETS,
      registers,
    });
    // The figure the alarm is decided on, so rules on it agree with the status (quorum-worst.ts). The figure of
    // one probe alone keeps a name that says so: a single confused probe moves it.
    new Gauge({
      name: 'propwatch_propagation_worst_seconds',
      help:
        'Worst-case propagation respecting quorum, the figure the alarm is decided on: per POP the effective-quorum-th ' +
        'largest vote among its observing probes (each probe its largest figure for that POP; pending lower bounds ' +
        'included; +Inf for a timeout; below the configured quorum only corroborated votes count), the largest over ' +
        'POPs. Above propwatch_alarm_threshold_seconds exactly when the status raises the alarm. NaN without a vote.',
      registers,
      collect() {
        this.set(secondsOrNaN(sources.quorumWorstMs()));
      },
    });
    new Gauge({
      name: 'propwatch_propagation_worst_any_probe_seconds',
      help:
        'Worst-case propagation seen by any single probe, quorum ignored (+Inf for a timeout, NaN without data): ' +
        'one probe alone moves it; alert on propwatch_propagation_worst_seconds.',
      registers,
      collect() {
        this.set(secondsOrNaN(quorumWorstMs(sources.observations(), 1)));
      },
    });
    // Coverage (issue 15): blind spots are POPs the alarm cannot speak for.
    new Gauge({
      name: 'propwatch_pop_observers',
      help:
        'Fresh probes observing each POP (a propagation figure from their latest rounds; unreachable and rerouted ' +
        'do not count); 0 for an expected POP no probe sees (a blind spot). POPs: expectedPops, or every POP seen ' +
        'within retention.',
      labelNames: ['pop'],
      registers,
      collect() {
        const coverage = sources.coverage();
        // Rebuilt at each scrape: a POP that expired with retention leaves the label set.
        this.reset();
        for (const pop of coverage.pops) this.set({ pop }, coverage.observers.get(pop)?.length ?? 0);
      },
    });
    new Gauge({
      name: 'propwatch_coverage_ratio',
      help: 'Share of the expected POPs observed by fresh probes (0–1; NaN when no POP is expected).',
      registers,
      collect() {
        this.set(sources.coverage().ratio ?? Number.NaN);
      },
    });
    // So alert rules and dashboards compare with the threshold in force instead of a copy of it.
    new Gauge({
      name: 'propwatch_alarm_threshold_seconds',
      help: 'Alarm threshold (status.alarmAboveMs) in force.',
      registers,
      collect() {
        this.set(sources.status().thresholdMs / 1000);
      },
    });
    new Gauge({
      name: 'propwatch_alarm_state',
      help: 'Current status: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        const current = sources.status().state;
        for (const state of ALARM_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    // A timestamp, not an age: the sample changes only when a report arrives, so Prometheus stores it cheaply and
    // `time() - …` gives the age at evaluation time (an age is stale by the scrape interval when read).
    // One series per POP so the alert names it (a `pop` label to route and group on); 0 for the other POPs observed.
    new Gauge({
      name: 'propwatch_alarm_pop',
      help:
        '1 for each POP the alarm is raised on (seen over the threshold in force by at least status.quorum ' +
        'probes), 0 for the other POPs observed; all 0 unless propwatch_alarm_state{state="alarm"} is 1.',
      labelNames: ['pop'],
      registers,
      collect() {
        this.reset();
        for (const { pop } of sources.observations()) this.set({ pop }, 0);
        for (const pop of sources.alarmPops()) this.set({ pop }, 1);
      },
    });
    new Gauge({
      name: 'propwatch_probe_last_report_timestamp_seconds',
      help:
        "Unix time (aggregator clock) of each configured probe's last accepted report; 0 if it never reported " +
        'within retention.',
      labelNames: ['probe'],
      registers,
      collect() {
        for (const [probe, at] of sources.lastReports()) this.set({ probe }, at === null ? 0 : at / 1000);
      },
    });
    this.timeouts = new Counter({
      name: 'propwatch_pop_timeouts_total',
      help: 'POPs that never served the serial within the probe maxWaitMs.',
      labelNames: ['probe', 'pop'],
      registers,
    });
    this.queryFailures = new Counter({
      name: 'propwatch_query_failures_total',
      help: 'DNS queries that timed out or got SERVFAIL/REFUSED/garbage, per probe and POP.',
      labelNames: ['probe', 'pop'],
      registers,
    });
    this.writeFailures = new Counter({
      name: 'propwatch_write_failures_total',
      help: 'Rounds whose canary write failed, per probe.',
      labelNames: ['probe'],
      registers,
    });
    this.ingestReports = new Counter({
      name: 'propwatch_ingest_reports_total',
      help: 'Round reports received, by result.',
      labelNames: ['result'],
      registers,
    });
    this.ingestDuration = new Histogram({
      name: 'propwatch_ingest_duration_seconds',
      help: 'Time to validate, store and evaluate one round report.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'propwatch_webhook_deliveries_total',
      help: 'Webhook deliveries by result (delivered, failed, dropped).',
      labelNames: ['result'],
      registers,
    });
    // Label values up front, so series exist (at 0) before the first event.
    for (const probe of sources.probeIds) this.writeFailures.inc({ probe }, 0);
    for (const result of INGEST_RESULTS) this.ingestReports.inc({ result }, 0);
    for (const result of ['delivered', 'failed', 'dropped']) this.webhookDeliveries.inc({ result }, 0);
    registerProcessMetrics(promClient, this.registry, 'propwatch_build_info');
  }

  /**
   * Creates a (probe, POP) pair's series at 0 the first time it is named, so its first timeout, failure or
   * observation is an increase Prometheus can see: a counter that appears already at 1 is invisible to
   * increase() and rate(), which need two samples (the first timeout of a pair never alerted).
   */
  seeSeries(probe: string, pop: string): void {
    const key = `${probe}\u0000${pop}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.timeouts.inc({ probe, pop }, 0);
    this.queryFailures.inc({ probe, pop }, 0);
    this.propagation.zero({ probe, pop });
  }

  /** Drops every series of a (probe, POP) not seen within retention, so /metrics does not grow without bound. */
  removeSeries(probe: string, pop: string): void {
    for (const metric of [this.propagation, this.timeouts, this.queryFailures]) metric.remove({ probe, pop });
  }

  /** Counts what an accepted report newly tells (once per POP result). */
  recordUpsert(result: UpsertResult): void {
    const probe = result.current.probe.id;
    // An unreachable anycast target names no POP (its pop is the target name): no series for it.
    for (const entry of result.current.pops) if (namesPop(entry)) this.seeSeries(probe, entry.pop);
    const transitions = findTransitions(result);
    for (const { pop, ms } of transitions.propagated) this.propagation.observe({ probe, pop }, ms / 1000);
    for (const pop of transitions.timeouts) this.timeouts.inc({ probe, pop });
    for (const { pop, count } of transitions.queryFailures) this.queryFailures.inc({ probe, pop }, count);
    if (transitions.writeFailed) this.writeFailures.inc({ probe });
  }
}
