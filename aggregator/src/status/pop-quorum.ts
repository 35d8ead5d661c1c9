/**
 * Quorum under anycast (issue 15): from one vantage point an anycast address
 * reaches one instance, so a POP is usually seen by one or two probes, not by
 * all of them. A fixed quorum of 2 would never page for a POP only one probe's
 * catchment reaches; quorum 1 would let one lying probe page about any POP.
 *
 * The rule, per POP:
 * - its observers are the probes that currently have a propagation figure for
 *   it (a round in the analysis window: exactly the probes whose figures vote).
 *   A probe whose target was `unreachable`, or whose catchment left the
 *   instance (`rerouted`), is not an observer: it lost sight of the POP, so it
 *   can neither confirm nor dispute a breach. (The contract said "among fresh
 *   probes"; a silent probe's figure still votes until its round leaves the
 *   window, so it must count as an observer until then too, or a silent probe
 *   could page alone about a POP a fresh probe sees healthy.)
 * - effective quorum = max(1, min(status.quorum, observers)).
 * - when the effective quorum is the configured one, a probe's vote is its
 *   current figure, as always: a POP several probes see still needs the full
 *   quorum, so one lying probe cannot page alone about it.
 * - below the configured quorum the breach must be corroborated: a probe's
 *   vote counts only if (a) its other POPs are healthy — at least one other
 *   POP it observes is not over status.alarmAboveMs (a probe whose every POP
 *   breaches is broken, not the network, and one that sees a single POP has
 *   nothing to compare with) — and (b) the POP was over the threshold in
 *   force in each of its `status.singleObserverRounds` latest rounds in which
 *   the POP's figure is final (served, or timed out). A running round counts
 *   once its figure for the POP is final; while the POP is still pending in
 *   it the round neither breaks nor extends the streak. So a stuck POP seen
 *   by one probe alarms when its timeout is final in the Nth consecutive round.
 *
 * Each vote is one number (the corroborated vote is the minimum of the current
 * figure and the streak's figures, −∞ when (a) fails or the streak is short),
 * and a POP is confirmed when at least `effective quorum` votes are over the
 * threshold in force. So the quorum worst (the effective-quorum-th largest
 * vote per POP, the largest over POPs) is over a threshold exactly when the
 * status confirms a POP at that threshold: the alarm and
 * propwatch_propagation_worst_seconds cannot disagree.
 */
import type { Observation } from '../analysis/observations.js';
import { finishedFigure } from '../analysis/observations.js';
import { alarmFigure } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';
import type { ProbeView, StatusSettings } from './evaluate-status.js';

/** The largest accepted status.singleObserverRounds: how many complete rounds a probe view keeps. */
export const MAX_SINGLE_OBSERVER_ROUNDS = 10;

export type QuorumSettings = Pick<StatusSettings, 'quorum' | 'alarmAboveMs' | 'windowMs'> & {
  singleObserverRounds: number;
};

/** What the rule reads about the probes, however the figures were gathered. */
export interface QuorumInputs {
  views: ReadonlyMap<string, ProbeView>;
  /** A probe's current observations (empty if none). */
  observationsOf: (probe: string) => readonly Observation[];
  /** Whether a probe currently has a figure for a POP (cheap: it runs per probe for each POP in breach). */
  observes: (probe: string, pop: string) => boolean;
}

/** Per probe: its largest figure for each POP it observes, and how many of those are over alarmAboveMs. */
interface ProbeFigures {
  byPop: Map<string, number>;
  overAlarm: number;
}

/** Votes on POPs at one instant (see the file comment). Caches per-probe figures; one instance per evaluation. */
export class PopQuorum {
  readonly #figures = new Map<string, ProbeFigures>();
  readonly #since: number;

  constructor(
    private readonly settings: QuorumSettings,
    private readonly inputs: QuorumInputs,
    now: number,
  ) {
    this.#since = now - settings.windowMs;
  }

  /** The effective quorum of `pop`: the configured quorum, or fewer if fewer probes observe it (never below 1). */
  effectiveQuorum(pop: string): number {
    let observers = 0;
    for (const id of this.inputs.views.keys()) if (this.inputs.observes(id, pop)) observers += 1;
    return this.#effective(observers);
  }

  #effective(observers: number): number {
    return Math.max(1, Math.min(this.settings.quorum, observers));
  }

  /** The number `probe` votes with on `pop` when its effective quorum is `effective` (−∞: no vote). */
  vote(probe: string, pop: string, effective: number): number {
    const figure = this.#figuresOf(probe).byPop.get(pop);
    if (figure === undefined) return Number.NEGATIVE_INFINITY;
    if (effective >= this.settings.quorum) return figure;
    return Math.min(figure, this.#corroboration(probe, pop));
  }

  /** The probes of `over` whose vote on `pop` passes `isOver`; the POP is confirmed when there are `effective` of them. */
  confirming(pop: string, over: readonly string[], isOver: (figure: number) => boolean): string[] {
    const effective = this.effectiveQuorum(pop);
    const votes = over.filter((probe) => isOver(this.vote(probe, pop, effective)));
    return votes.length >= effective ? votes : [];
  }

  /** The effective-quorum-th largest vote of each POP in `observations`, the largest over POPs (null: none). */
  worstMs(observations: Iterable<Observation>): number | null {
    const probesByPop = new Map<string, Set<string>>();
    for (const o of observations) {
      const probes = probesByPop.get(o.pop) ?? new Set<string>();
      probes.add(o.probe);
      probesByPop.set(o.pop, probes);
    }
    let worst: number | null = null;
    for (const [pop, probes] of probesByPop) {
      const ids = [...probes];
      const effective = this.#effective(ids.length);
      const votes = ids.map((probe) => this.vote(probe, pop, effective)).sort((a, b) => b - a);
      const figure = votes[effective - 1];
      if (figure === undefined || figure === Number.NEGATIVE_INFINITY) continue;
      if (worst === null || figure > worst) worst = figure;
    }
    return worst;
  }

  /** (a) and (b) of the file comment as one number: −∞ when (a) fails, else the streak's smallest figure. */
  #corroboration(probe: string, pop: string): number {
    const figures = this.#figuresOf(probe);
    const own = figures.byPop.get(pop)!;
    const othersOver = figures.overAlarm - (own > this.settings.alarmAboveMs ? 1 : 0);
    if (figures.byPop.size < 2 || othersOver === figures.byPop.size - 1) return Number.NEGATIVE_INFINITY;
    const view = this.inputs.views.get(probe);
    if (!view) return Number.NEGATIVE_INFINITY;
    return streakFigure(view, pop, this.settings.singleObserverRounds, this.#since);
  }

  #figuresOf(probe: string): ProbeFigures {
    let figures = this.#figures.get(probe);
    if (!figures) {
      const byPop = new Map<string, number>();
      for (const o of this.inputs.observationsOf(probe))
        byPop.set(o.pop, Math.max(byPop.get(o.pop) ?? Number.NEGATIVE_INFINITY, alarmFigure(o)));
      let overAlarm = 0;
      for (const figure of byPop.values()) if (figure > this.settings.alarmAboveMs) overAlarm += 1;
      figures = { byPop, overAlarm };
      this.#figures.set(probe, figures);
    }
    return figures;
  }
}

/**
 * The smallest final figure of `pop` over the probe's `rounds` latest rounds (in the window) in which it is
 * final; −∞ if there are fewer such rounds or one of them has no final figure for it (not seen: the streak broke).
 */
export function streakFigure(view: ProbeView, pop: string, rounds: number, since: number): number {
  const streak: StoredRound[] = [];
  const latest = view.latestMeasured;
  if (latest?.state === 'running' && latest.receivedAt >= since && finalFigure(latest, pop) !== null)
    streak.push(latest);
  for (const round of view.recentComplete ?? []) {
    if (streak.length >= rounds || round.receivedAt < since) break;
    streak.push(round);
  }
  if (streak.length < rounds) return Number.NEGATIVE_INFINITY;
  let smallest = Number.POSITIVE_INFINITY;
  for (const round of streak) smallest = Math.min(smallest, finalFigure(round, pop) ?? Number.NEGATIVE_INFINITY);
  return smallest;
}

/** The POP's final figure in a round (+∞ for a timeout; the largest over its targets), or null if none is final. */
function finalFigure(round: StoredRound, pop: string): number | null {
  let figure: number | null = null;
  for (const result of round.pops) {
    if (result.pop !== pop || (result.state !== 'propagated' && result.state !== 'timeout')) continue;
    const value = result.state === 'timeout' ? Number.POSITIVE_INFINITY : finishedFigure(result);
    figure = figure === null ? value : Math.max(figure, value);
  }
  return figure;
}
