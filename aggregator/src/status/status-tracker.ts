/**
 * Keeps the current status in memory: per-probe views updated on every
 * accepted report, re-evaluated on each report and by a timer (staleness, and
 * running rounds whose pending lower bounds keep growing), so `GET /status`
 * never scans a table and an alarm can fire while a round is still running.
 * Evaluation is incremental: each probe's observations are cached
 * (ObservationCache) and recomputed only when its rounds change, a round
 * leaves the window or a running round's bounds are still growing; the rest
 * is an O(probes) combination, identical to evaluateStatus from scratch.
 * Reports trigger an evaluation at most once per EVALUATION_GAP_MS (see
 * #markDirty); reading the status evaluates first if reports arrived since.
 */
import type { Clock, Status } from '@propwatch/shared';
import { type ExpectedSource, NOTHING_EXPECTED } from '../catchments/coverage.js';
import { isFurtherAlong } from '../storage/round-order.js';
import { type RoundPosition, isLater } from '../storage/round-sequence.js';
import type { RoundHead, StoredRound, UpsertResult } from '../storage/round-store.js';
import { type ProbeView, type StatusEvaluation, type StatusSettings, decideStatus } from './evaluate-status.js';
import { ObservationCache } from './observation-cache.js';
import { MAX_SINGLE_OBSERVER_ROUNDS } from './pop-quorum.js';

/** `rounds` (newest first in sequence) with `round` in its place (replacing its older report), bounded. */
function withComplete(rounds: readonly StoredRound[], round: StoredRound): StoredRound[] {
  const others = rounds.filter((r) => r.id !== round.id);
  const at = others.findIndex((r) => isLater(round, r));
  others.splice(at === -1 ? others.length : at, 0, round);
  return others.slice(0, MAX_SINGLE_OBSERVER_ROUNDS);
}

/**
 * Evaluations triggered by reports start at least this far apart (ms, monotonic). Each costs O(probes): with 1,000
 * probes offering 300 reports/s, one per report took a third of the aggregator's CPU (bench/README.md, issue 18).
 * A state change is noticed at most this much later, and only during a burst; reading the status never waits.
 */
export const EVALUATION_GAP_MS = 10;
/** Rounds remembered as applied (recordPeer): far more than arrive between two catch-up reads. */
const MAX_APPLIED = 10_000;

const appliedKey = (round: StoredRound) => `${round.probe.id}\u0000${round.id}`;

export interface StatusChange {
  status: Status;
  previous: Status;
  evaluation: StatusEvaluation;
}

export class StatusTracker {
  readonly #views = new Map<string, ProbeView>();
  /** Per probe, its newest round in sequence (serial order) seen so far, write_failed included: only that round speaks for the provider now. */
  readonly #newest = new Map<string, RoundPosition>();
  readonly #listeners: ((change: StatusChange) => void)[] = [];
  readonly #evaluatedListeners: ((status: Status) => void)[] = [];
  /** The rounds applied lately, as applied (state, progress): a round heard again from a peer is not applied twice. */
  readonly #applied = new Map<string, StoredRound>();
  readonly #cache: ObservationCache;
  #evaluation: StatusEvaluation;
  /** Reports arrived since the last evaluation. */
  #dirty = false;
  #scheduled = false;
  /** Monotonic time of the last evaluation a report triggered. */
  #lastTriggeredAt = Number.NEGATIVE_INFINITY;
  readonly #monotonicNow: () => number;

  constructor(
    readonly settings: StatusSettings,
    probeIds: readonly string[],
    /** Wall clock for the figures; monotonic (performance.now() when absent) to space report-triggered evaluations. */
    private readonly clock: Pick<Clock, 'now'> & Partial<Pick<Clock, 'monotonicNow'>>,
    /** The POPs coverage is measured against (coverage.ts); without it, those observed now. */
    readonly expected: ExpectedSource = NOTHING_EXPECTED,
  ) {
    for (const id of probeIds)
      this.#views.set(id, { id, lastReportAt: null, latestMeasured: null, consecutiveWriteFailures: 0 });
    const monotonic = clock.monotonicNow;
    this.#monotonicNow = monotonic ? () => monotonic.call(clock) : () => performance.now();
    this.#cache = new ObservationCache(settings);
    this.#evaluation = this.#evaluateAt(null, clock.now());
  }

  /** The current status; evaluated first if reports arrived since the last evaluation. */
  get status(): Status {
    if (this.#dirty) this.evaluate();
    return this.#evaluation.status;
  }

  get evaluation(): StatusEvaluation {
    if (this.#dirty) this.evaluate();
    return this.#evaluation;
  }

  /** How many probes' observations the last evaluation recomputed (the others came from the cache). */
  get lastRecomputed(): number {
    return this.#cache.lastRecomputed;
  }

  /** One probe's view (undefined for a probe not configured). */
  viewOf(id: string): ProbeView | undefined {
    return this.#views.get(id);
  }

  views(): readonly ProbeView[] {
    return [...this.#views.values()];
  }

  /** Called when the state changes (ok, alarm, stale, degraded), with the status before and after. */
  onChange(listener: (change: StatusChange) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Called after every evaluation with the new status, whether or not anything in it changed (updatedAt always
   * does): for whoever must notice any change of the body — worst, reason, fresh probes — not only of the state.
   */
  onEvaluated(listener: (status: Status) => void): void {
    this.#evaluatedListeners.push(listener);
  }

  /**
   * Seeds the views from storage at start: recent rounds, last report times, each probe's newest rounds
   * in sequence (newest first), which give the write-failure streak and the newest round seen, and the
   * status the previous run ended with (its `since` is kept when the state is still the same).
   */
  restore(
    rounds: readonly StoredRound[],
    lastSeen: ReadonlyMap<string, number>,
    recentHeads: ReadonlyMap<string, readonly RoundHead[]>,
    saved: Status | null = null,
  ): void {
    for (const view of this.#views.values()) {
      view.lastReportAt = lastSeen.get(view.id) ?? null;
      const heads = recentHeads.get(view.id) ?? [];
      const streak = heads.findIndex((head) => head.state !== 'write_failed');
      view.consecutiveWriteFailures = streak === -1 ? heads.length : streak;
      if (heads[0]) this.#newest.set(view.id, heads[0]);
      if (view.consecutiveWriteFailures > 0) view.lastWriteError = heads[0]?.writeError;
    }
    for (const round of rounds) {
      this.#isNewest(round);
      this.#applyRound(round);
    }
    this.#cache.clear();
    if (saved) this.#evaluation = { ...this.#evaluation, status: saved };
    this.evaluate();
  }

  /**
   * Applies an accepted report and marks its probe's observations for
   * recomputation. Evaluation still costs O(probes) to combine, so it is not
   * done per report: it runs once per event-loop turn after a burst of
   * reports (state changes still fire within milliseconds) or earlier when
   * someone reads the status. Returns whether the report changed its probe's newest round in sequence.
   */
  record(result: UpsertResult, receivedAt: number): boolean {
    this.#remember(result.current);
    const view = this.#views.get(result.current.probe.id);
    let newest = false;
    if (view) {
      view.lastReportAt = Math.max(view.lastReportAt ?? 0, receivedAt);
      if (result.outcome !== 'unchanged') {
        // Only the probe's newest round (in serial order) moves the streak. After an outage the probe delivers
        // its newest round first, then the backlog: a replayed older round says nothing about the provider now.
        newest = this.#isNewest(result.current);
        if (newest) {
          const becameWriteFailed =
            result.current.state === 'write_failed' && result.previous?.state !== 'write_failed';
          if (becameWriteFailed) {
            view.consecutiveWriteFailures += 1;
            view.lastWriteError = result.current.write.error;
          } else if (result.outcome === 'inserted' && result.current.state !== 'write_failed') {
            view.consecutiveWriteFailures = 0;
          }
        }
        this.#applyRound(result.current);
        this.#cache.invalidate(view.id);
      }
    }
    this.#markDirty();
    return newest;
  }

  /**
   * Applies a round stored by any replica (replicas/peer-feed.ts), as record does for an accepted report,
   * unless this tracker applied it as it is already (this replica's own ingest, or heard twice). What this
   * tracker last applied of the same round stands for the stored report before it (the write-failure streak).
   * Returns whether it was applied.
   */
  recordPeer(round: StoredRound): boolean {
    const before = this.#applied.get(appliedKey(round));
    if (before && !isFurtherAlong(before, round)) return false;
    const outcome = before ? 'updated' : 'inserted';
    this.record({ outcome, previous: before ?? null, current: round }, round.receivedAt);
    return true;
  }

  #remember(round: StoredRound): void {
    const key = appliedKey(round);
    this.#applied.delete(key);
    this.#applied.set(key, round);
    // Bounded: the oldest go (a round that old is no longer heard from peers: catch-up reads are recent).
    if (this.#applied.size > MAX_APPLIED) this.#applied.delete(this.#applied.keys().next().value!);
  }

  /**
   * One evaluation per burst of reports: on the next turn of the event loop, or, when a report-triggered
   * evaluation ran less than EVALUATION_GAP_MS ago, once that gap has passed.
   */
  #markDirty(): void {
    this.#dirty = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#lastTriggeredAt = this.#monotonicNow();
      if (this.#dirty) this.evaluate();
    };
    const wait = this.#lastTriggeredAt + EVALUATION_GAP_MS - this.#monotonicNow();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  /** Whether `round` comes no earlier in its probe's sequence than any round seen so far; remembers it if so. */
  #isNewest(round: StoredRound): boolean {
    const newest = this.#newest.get(round.probe.id);
    if (newest !== undefined && isLater(newest, round)) return false;
    this.#newest.set(round.probe.id, { id: round.id, serial: round.serial, firstReceivedAt: round.firstReceivedAt });
    return true;
  }

  #applyRound(round: StoredRound): void {
    const view = this.#views.get(round.probe.id);
    if (!view || round.state === 'write_failed') return;
    if (round.state === 'complete') view.recentComplete = withComplete(view.recentComplete ?? [], round);
    const current = view.latestMeasured;
    if (!current || current.id === round.id) {
      view.latestMeasured = round;
    } else if (isLater(round, current)) {
      if (current.state === 'complete') view.previousComplete = current;
      view.latestMeasured = round;
    } else if (
      round.state === 'complete' &&
      (!view.previousComplete || view.previousComplete.id === round.id || isLater(round, view.previousComplete))
    ) {
      // A late final report of an older round (reports arrive newest first after an outage).
      view.previousComplete = round;
    }
  }

  /**
   * Takes a status decided elsewhere (another replica committed it first: transition-committer.ts) as the
   * current one, without telling the state-change listeners (it is no change of ours: no second history line or
   * webhook); the next evaluation starts from it, so its since is kept while the state lasts. The evaluated
   * listeners (the status stream) do hear it: a beacon following this replica must see the adopted status.
   */
  adopt(status: Status): void {
    if (this.#dirty) this.evaluate();
    this.#evaluation = { ...this.#evaluation, status };
    for (const listener of this.#evaluatedListeners) listener(status);
  }

  /** Re-evaluates at the clock's now; notifies listeners on a state change. */
  evaluate(): StatusEvaluation {
    this.#dirty = false;
    const previous = this.#evaluation.status;
    this.#evaluation = this.#evaluateAt(previous, this.clock.now());
    if (this.#evaluation.status.state !== previous.state) {
      const change = { status: this.#evaluation.status, previous, evaluation: this.#evaluation };
      for (const listener of this.#listeners) listener(change);
    }
    for (const listener of this.#evaluatedListeners) listener(this.#evaluation.status);
    return this.#evaluation;
  }

  #evaluateAt(previous: Status | null, now: number): StatusEvaluation {
    const views = [...this.#views.values()];
    return decideStatus(previous, views, this.settings, now, this.#cache.observe(views, now), this.expected);
  }
}
