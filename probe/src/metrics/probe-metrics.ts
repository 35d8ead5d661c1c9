/**
 * The probe's own Prometheus metrics (a Registry per probe instance). The
 * aggregator holds the fleet view; these help when one probe misbehaves.
 */
import { type EndpointSwitch, registerProcessMetrics, type RoundReport } from '@propwatch/shared';
import * as promClient from 'prom-client';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QuerierStats } from '../querier/results.js';
import type { TargetSummary } from '../round/round-engine.js';

type SocketStats = QuerierStats['sockets'];

/**
 * Distinct `pop` label values at most. Behind an anycast target a POP name
 * comes from the answer's NSID, so a hostile or broken responder could make
 * up a new one per query; past this bound they are counted as `_other`.
 */
export const MAX_POP_LABELS = 500;
const OTHER_POP = '_other';

export class ProbeMetrics {
  readonly registry = new Registry();
  readonly rounds = new Counter({
    name: 'propwatch_probe_rounds_total',
    help: 'Rounds finished, by final state.',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly propagation = new Histogram({
    name: 'propwatch_probe_propagation_seconds',
    help: 'Estimated propagation time per POP (midpoint of the bounds) of finished rounds.',
    labelNames: ['pop'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly timeouts = new Counter({
    name: 'propwatch_probe_pop_timeouts_total',
    help: 'POPs not seen serving the serial within maxWaitMs.',
    labelNames: ['pop'],
    registers: [this.registry],
  });
  readonly queries = new Counter({
    name: 'propwatch_probe_queries_total',
    help: 'Canary queries sent.',
    labelNames: ['pop'],
    registers: [this.registry],
  });
  readonly queryFailures = new Counter({
    name: 'propwatch_probe_query_failures_total',
    help: 'Canary queries without a usable answer (timeout, SERVFAIL, REFUSED, garbage).',
    labelNames: ['pop'],
    registers: [this.registry],
  });
  readonly writeSeconds = new Histogram({
    name: 'propwatch_probe_write_duration_seconds',
    help: 'Provider API latency of successful canary writes.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [this.registry],
  });
  readonly spooled = new Gauge({
    name: 'propwatch_probe_spool_reports',
    help: 'Reports waiting in the on-disk spool.',
    registers: [this.registry],
  });
  readonly spoolDropped = new Counter({
    name: 'propwatch_probe_spool_dropped_total',
    help: 'Reports dropped because the spool was full (oldest first).',
    registers: [this.registry],
  });
  readonly notSpooled = new Counter({
    name: 'propwatch_probe_reports_not_spooled_total',
    help: 'Reports lost before the spool: invalid = failed the wire schema (a probe bug), spool_error = the spool write failed (disk full, permissions).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'propwatch_probe_report_deliveries_total',
    help: 'Report delivery attempts, by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  // Labelled by index into report.urls (never the URL: it may carry what a dashboard should not show), so the
  // label set is bounded by the list (at most 16 URLs, each failing over to the next one only).
  readonly failovers = new Counter({
    name: 'propwatch_probe_report_failovers_total',
    help: 'Reports moved to the next aggregator URL because the current one failed (no connection, timeout, 5xx, redirect), by index into report.urls.',
    labelNames: ['from', 'to'],
    registers: [this.registry],
  });
  readonly endpointIndex = new Gauge({
    name: 'propwatch_probe_report_endpoint_index',
    help: 'Index into report.urls (0 = the first, preferred) of the aggregator URL reports go to now.',
    registers: [this.registry],
  });
  readonly popResults = new Counter({
    name: 'propwatch_probe_pop_results_total',
    help: 'Results of finished rounds by target (via), POP and state: propagated, timeout, rerouted (an anycast catchment moved away before the instance was seen serving), unreachable (no usable answer all round; pop = the target name).',
    labelNames: ['via', 'pop', 'state'],
    registers: [this.registry],
  });
  readonly catchmentChanges = new Counter({
    name: 'propwatch_probe_catchment_changes_total',
    help: 'Times an anycast target started answering from another instance within a round (A -> B -> A is two).',
    labelNames: ['via'],
    registers: [this.registry],
  });
  readonly catchment = new Gauge({
    name: 'propwatch_probe_catchment',
    help: 'The POP each anycast target reached at the end of the last round (1; other POPs of that target are absent).',
    labelNames: ['via', 'pop'],
    registers: [this.registry],
  });
  readonly backwards = new Counter({
    name: 'propwatch_probe_answers_backwards_total',
    help: "Misses after a hit from the same instance (it served the serial, then did not); the instance's bounds restart from the miss.",
    labelNames: ['via', 'pop'],
    registers: [this.registry],
  });
  readonly unidentified = new Counter({
    name: 'propwatch_probe_unidentified_answers_total',
    help: 'Answers through an anycast target that named no instance (no NSID, CHAOS id.server failed), counted as failures.',
    labelNames: ['via'],
    registers: [this.registry],
  });
  readonly lastRound = new Gauge({
    name: 'propwatch_probe_last_round_timestamp_seconds',
    help: 'Unix time when the last round finished.',
    registers: [this.registry],
  });

  readonly #popLabels = new Set<string>();
  readonly #catchments = new Map<string, string>();
  #sockets: () => SocketStats = () => ({ opened: 0, closed: 0, rotated: 0, bindFailures: 0 });
  // Read from the querier's own counters at scrape time (collect), so the hot path counts nothing twice.
  readonly socketRotations = this.#fromSockets(
    'propwatch_probe_udp_socket_rotations_total',
    'UDP sockets retired for source-port rotation (RFC 5452) and replaced by one on a new random port.',
    (s) => s.rotated,
  );
  readonly socketBindFailures = this.#fromSockets(
    'propwatch_probe_udp_socket_bind_failures_total',
    'Replacement UDP sockets that could not be bound (the old socket kept serving; retried after 1 s).',
    (s) => s.bindFailures,
  );
  readonly socketsOpen = new Gauge({
    name: 'propwatch_probe_udp_sockets_open',
    help: 'UDP sockets open: in service plus retired ones still waiting for answers to their queries.',
    registers: [this.registry],
    collect: () => {
      const { opened, closed } = this.#sockets();
      this.socketsOpen.set(opened - closed);
    },
  });

  constructor(withProcessMetrics = true) {
    for (const state of ['complete', 'write_failed']) this.rounds.labels(state).inc(0);
    for (const result of ['delivered', 'retry', 'rejected']) this.deliveries.labels(result).inc(0);
    for (const reason of ['invalid', 'spool_error']) this.notSpooled.labels(reason).inc(0);
    if (withProcessMetrics) registerProcessMetrics(promClient, this.registry, 'propwatch_probe_build_info');
  }

  /** Creates the failover series of a list of `count` aggregator URLs up front (at 0), so rates work from the start. */
  declareEndpoints(count: number): void {
    for (let from = 0; count > 1 && from < count; from++)
      this.failovers.labels(String(from), String((from + 1) % count)).inc(0);
    this.endpointIndex.set(0);
  }

  /** Counts a failover (not the timed return to the first URL) and moves the current-index gauge. */
  observeEndpointChange(change: EndpointSwitch): void {
    if (change.reason !== 'preferred') this.failovers.labels(String(change.from), String(change.to)).inc();
    this.endpointIndex.set(change.to);
  }

  /** Where the socket counters come from: the querier's stats. */
  watchSockets(stats: () => SocketStats): void {
    this.#sockets = stats;
  }

  #fromSockets(name: string, help: string, pick: (stats: SocketStats) => number): Counter {
    const counter: Counter = new Counter({
      name,
      help,
      registers: [this.registry],
      collect: () => {
        counter.reset();
        counter.inc(pick(this.#sockets()));
      },
    });
    return counter;
  }

  /** Records a finished round. */
  observeRound(report: RoundReport, nowSeconds = Date.now() / 1000): void {
    this.rounds.labels(report.round.state).inc();
    this.lastRound.set(nowSeconds);
    if (report.round.state === 'complete') this.writeSeconds.observe(report.round.write.submitToAckMs / 1000);
    for (const result of report.round.pops) {
      const pop = this.#popLabel(result.pop);
      this.queries.labels(pop).inc(result.queries);
      this.queryFailures.labels(pop).inc(result.failures);
      this.popResults.labels(result.via ?? result.pop, pop, result.state).inc();
      if (result.state === 'propagated' && result.estimateMs !== undefined)
        this.propagation.labels(pop).observe(result.estimateMs / 1000);
      if (result.state === 'timeout') this.timeouts.labels(pop).inc();
    }
  }

  /** Records what the targets of a finished round showed besides their results: catchments and anomalies. */
  observeTargets(targets: readonly TargetSummary[]): void {
    for (const target of targets) {
      if (target.kind !== 'anycast') continue;
      this.catchmentChanges.labels(target.via).inc(target.catchmentChanges);
      this.unidentified.labels(target.via).inc(target.unidentified);
      for (const [pop, count] of Object.entries(target.backwards))
        this.backwards.labels(target.via, this.#popLabel(pop)).inc(count);
      const before = this.#catchments.get(target.via);
      const now = target.catchment === undefined ? undefined : this.#popLabel(target.catchment);
      if (before !== undefined && before !== now) this.catchment.remove(target.via, before);
      if (now === undefined) this.#catchments.delete(target.via);
      else {
        this.#catchments.set(target.via, now);
        this.catchment.labels(target.via, now).set(1);
      }
    }
  }

  /** The label for a POP name: itself while the set of names is small, `_other` past MAX_POP_LABELS. */
  #popLabel(pop: string): string {
    if (this.#popLabels.has(pop)) return pop;
    if (this.#popLabels.size >= MAX_POP_LABELS) return OTHER_POP;
    this.#popLabels.add(pop);
    return pop;
  }
}
