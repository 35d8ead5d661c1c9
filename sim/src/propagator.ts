/**
 * Moves committed zone versions to the POPs on the timers the propagation
 * model prescribes, applies them in order at each POP (a later version never
 * overtakes an earlier one, as with IXFR), enforces `slow`/`stuck`/`down`,
 * and reports the moment each POP starts serving a version to the ground truth.
 */
import type { Clock } from '@propwatch/shared';
import type { PopFault } from './faults.js';
import type { GroundTruth } from './ground-truth.js';
import { type Moment, momentOf } from './moment.js';
import type { PropagationModel } from './propagation-model.js';
import type { PopDefinition } from './topology.js';
import type { ZoneSnapshot } from './zone-store.js';

interface PopState {
  def: PopDefinition;
  applied: number;
  /** Versions that reached the POP but wait for an earlier one. */
  arrived: Set<number>;
  /** Versions on their way: due at `target` (monotonic ms). */
  pending: Array<{ version: number; target: number }>;
  fault: PopFault | null;
  /** Applied while down: not served until the POP comes back. */
  unserved: boolean;
}

export interface PlannedDelay {
  /** Commit → arrival at the POP as scheduled (ms, timeScale and `slow` applied); null if the POP was stuck. */
  arrivalMs: number | null;
  regionMs: number;
  hopMs: number;
  slowMs: number;
}

export interface PropagatorDeps {
  pops: readonly PopDefinition[];
  /** Only the plans and catch-up delays: a test can script them without a seeded model. */
  model: Pick<PropagationModel, 'planNext' | 'catchUpDelay'>;
  truth: GroundTruth;
  clock: Pick<Clock, 'monotonicNow'>;
  timeScale: number;
  latestVersion: () => number;
}

export class Propagator {
  private readonly states = new Map<string, PopState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly plans = new Map<number, Map<string, PlannedDelay>>();
  private closed = false;

  constructor(private readonly deps: PropagatorDeps) {
    for (const def of deps.pops)
      this.states.set(def.name, { def, applied: 0, arrived: new Set(), pending: [], fault: null, unserved: false });
  }

  /** Version 0 is loaded everywhere at start. */
  start(initial: ZoneSnapshot): void {
    for (const state of this.states.values()) this.markServed(state, initial.committedAt);
  }

  /** Schedules a freshly committed version towards every POP. */
  onCommit(snapshot: ZoneSnapshot): Map<string, PlannedDelay> {
    const plan = this.deps.model.planNext();
    const planned = new Map<string, PlannedDelay>();
    for (const state of this.states.values()) {
      const name = state.def.name;
      const slowMs = state.fault?.kind === 'slow' ? state.fault.extraMs * this.deps.timeScale : 0;
      const regionMs = plan.regionMs.get(state.def.region)! * this.deps.timeScale;
      const hopMs = plan.hopMs.get(name)! * this.deps.timeScale;
      const stuck = state.fault?.kind === 'stuck';
      const arrivalMs = stuck ? null : regionMs + hopMs + slowMs;
      planned.set(name, { arrivalMs, regionMs, hopMs, slowMs });
      // A stuck POP still gets the arrival: if the fault is cleared before it
      // is due, the change arrives as planned; if not, it is dropped and the
      // catch-up on clear brings it.
      this.deliverAt(state, snapshot.version, snapshot.committedAt.monotonicMs + regionMs + hopMs + slowMs);
    }
    this.plans.set(snapshot.version, planned);
    return planned;
  }

  /** What the model scheduled for a version (for tests and benchmarks). */
  plannedDelays(version: number): ReadonlyMap<string, PlannedDelay> | undefined {
    return this.plans.get(version);
  }

  /** The oldest version some POP still answers from. */
  oldestAppliedVersion(): number {
    let oldest = Infinity;
    for (const state of this.states.values()) {
      this.sync(state);
      oldest = Math.min(oldest, state.applied);
    }
    return oldest;
  }

  /** Forgets the planned delays of versions below `version`. */
  forgetBefore(version: number): void {
    for (const v of this.plans.keys()) if (v < version) this.plans.delete(v);
  }

  /**
   * The version a POP answers from at `now` (arrivals due by then are applied
   * first). A caller that records the instant it decided passes that same
   * instant, so the version and the instant cannot disagree.
   */
  appliedVersion(pop: string, now: Moment = momentOf(this.deps.clock)): number {
    const state = this.stateOf(pop);
    this.sync(state, now);
    return state.applied;
  }

  faultOf(pop: string): PopFault | null {
    return this.stateOf(pop).fault;
  }

  setFault(pop: string, fault: PopFault | null): void {
    const state = this.stateOf(pop);
    this.sync(state);
    const previous = state.fault;
    state.fault = fault;
    if (previous?.kind === 'stuck' && fault?.kind !== 'stuck') this.scheduleCatchUp(state);
    if (previous?.kind === 'down' && fault?.kind !== 'down' && state.unserved)
      this.markServed(state, momentOf(this.deps.clock));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleCatchUp(state: PopState): void {
    const target = this.deps.latestVersion();
    if (target <= state.applied) return;
    const slowMs = state.fault?.kind === 'slow' ? state.fault.extraMs : 0;
    const delay = (this.deps.model.catchUpDelay(state.def) + slowMs) * this.deps.timeScale;
    const due = this.deps.clock.monotonicNow() + delay;
    for (let version = state.applied + 1; version <= target; version++) this.deliverAt(state, version, due);
  }

  /**
   * Records that `version` reaches the POP at monotonic time `target`. The
   * switch happens at exactly `target`: every query handled after it (and
   * the timer, whichever runs first) applies due arrivals before answering,
   * so the ground truth is the scheduled instant, not the timer's (possibly
   * late) callback.
   */
  private deliverAt(state: PopState, version: number, target: number): void {
    state.pending.push({ version, target });
    this.schedule(target, () => this.sync(state));
  }

  private sync(state: PopState, now: Moment = momentOf(this.deps.clock)): void {
    if (state.pending.length === 0) return;
    const due = state.pending
      .filter((arrival) => arrival.target <= now.monotonicMs)
      .sort((a, b) => a.target - b.target);
    if (due.length === 0) return;
    state.pending = state.pending.filter((arrival) => arrival.target > now.monotonicMs);
    for (const arrival of due) {
      if (state.fault?.kind === 'stuck' || arrival.version <= state.applied) continue;
      state.arrived.add(arrival.version);
      const before = state.applied;
      while (state.arrived.delete(state.applied + 1)) state.applied++;
      if (state.applied !== before)
        this.markServed(state, {
          monotonicMs: arrival.target,
          epochMs: arrival.target + (now.epochMs - now.monotonicMs),
        });
    }
    for (const version of state.arrived) if (version <= state.applied) state.arrived.delete(version);
  }

  /** Only the version a POP ends up answering from counts as served; a down POP serves nothing. */
  private markServed(state: PopState, moment: Moment): void {
    if (state.fault?.kind === 'down') {
      state.unserved = true;
      return;
    }
    state.unserved = false;
    this.deps.truth.recordServed(state.def.name, state.applied, moment);
  }

  /** Arms a timer for monotonic time `target` (early firing is harmless: sync() checks the clock and re-arms). */
  private schedule(target: number, run: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.deps.clock.monotonicNow() < target) this.schedule(target, run);
        else run();
      },
      Math.max(0, target - this.deps.clock.monotonicNow()),
    );
    this.timers.add(timer);
  }

  private stateOf(pop: string): PopState {
    const state = this.states.get(pop.toUpperCase());
    if (!state) throw new UnknownPopError(pop, [...this.states.keys()]);
    return state;
  }
}

/** Thrown for a POP name that is not part of the network (a caller error). */
export class UnknownPopError extends Error {
  override readonly name = 'UnknownPopError';
  constructor(
    readonly pop: string,
    readonly known: string[],
  ) {
    super(`unknown POP ${JSON.stringify(pop)}; known POPs: ${known.join(', ')}`);
  }
}
