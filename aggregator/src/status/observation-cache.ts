/**
 * Per-probe observations kept between status evaluations, so an evaluation
 * costs O(probes) plus the probes whose figures really changed instead of
 * O(probes × POPs) every time.
 *
 * A probe's observations (observeCurrent for that probe) are a pure function
 * of its latest measured round, its previous complete round, and `now` — and
 * `now` reaches them only through four values: whether each round is still in
 * the window, and how far each running round's pending bounds have grown
 * (`min(max(0, now − receivedAt), maxExtrapolationMs)`, as in observePop).
 * An entry remembers those inputs (rounds by identity: the tracker replaces a
 * round object, it never edits one) and is reused while they are equal, so it
 * is recomputed when a report changes the probe's rounds, a round leaves the
 * window, or a running round's bounds are still growing — and not when the
 * growth has stopped (a silent probe) or the round is complete.
 */
import { type Observation, observeProbe } from '../analysis/observations.js';
import { alarmFigure, findWorst, isWorse } from '../analysis/worst-case.js';
import type { StoredRound } from '../storage/round-store.js';
import type { ObservedFigures, ProbeView, StatusSettings } from './evaluate-status.js';

type CacheSettings = Pick<StatusSettings, 'windowMs' | 'maxExtrapolationMs' | 'alarmAboveMs' | 'clearBelowMs'>;

interface ProbeEntry {
  latest: StoredRound | null;
  previous: StoredRound | null;
  latestInWindow: boolean;
  previousInWindow: boolean;
  latestGrowth: number;
  previousGrowth: number;
  observations: readonly Observation[];
  worst: Observation | null;
  /** The observations that could pass either threshold (the only ones a breach can be made of), in order. */
  candidates: readonly Observation[];
  /** The POPs it observes (quorum under anycast counts observers per POP without walking observations). */
  pops: ReadonlySet<string>;
}

/** The inputs of one probe's observations at `now`, the round fields of ProbeEntry. */
type EntryInputs = Omit<ProbeEntry, 'observations' | 'worst' | 'candidates' | 'pops'>;

/** How far a round's pending bounds have grown at `now`: exactly observePop's `grown`. */
function growthOf(round: StoredRound | null, now: number, maxExtrapolationMs: number): number {
  return round?.state === 'running' ? Math.min(Math.max(0, now - round.receivedAt), maxExtrapolationMs) : 0;
}

function inputsAt(view: ProbeView, settings: CacheSettings, now: number): EntryInputs {
  const since = now - settings.windowMs;
  const latest = view.latestMeasured;
  const previous = view.previousComplete ?? null;
  return {
    latest,
    previous,
    latestInWindow: latest !== null && latest.receivedAt >= since,
    previousInWindow: previous !== null && previous.receivedAt >= since,
    latestGrowth: growthOf(latest, now, settings.maxExtrapolationMs),
    previousGrowth: growthOf(previous, now, settings.maxExtrapolationMs),
  };
}

/** Whether `entry` was computed from the inputs `view` has at `now` (checked without allocating: it runs for every probe on every evaluation). */
function isCurrent(entry: ProbeEntry, view: ProbeView, settings: CacheSettings, now: number): boolean {
  const since = now - settings.windowMs;
  const latest = view.latestMeasured;
  const previous = view.previousComplete ?? null;
  return (
    entry.latest === latest &&
    entry.previous === previous &&
    entry.latestInWindow === (latest !== null && latest.receivedAt >= since) &&
    entry.previousInWindow === (previous !== null && previous.receivedAt >= since) &&
    entry.latestGrowth === growthOf(latest, now, settings.maxExtrapolationMs) &&
    entry.previousGrowth === growthOf(previous, now, settings.maxExtrapolationMs)
  );
}

/** Each probe's observations at the last evaluation, reused while their inputs are unchanged (see the file comment). */
export class ObservationCache {
  readonly #entries = new Map<string, ProbeEntry>();
  /** Probes recomputed by the last `observe` call (for tests and diagnostics). */
  lastRecomputed = 0;

  constructor(private readonly settings: CacheSettings) {}

  /** Drops a probe's entry: its rounds changed. */
  invalidate(probeId: string): void {
    this.#entries.delete(probeId);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The figures of `views` at `now`, the same as observeCurrent's, recomputing only entries whose inputs changed. */
  observe(views: readonly ProbeView[], now: number): ObservedFigures {
    let recomputed = 0;
    const perProbe: (readonly Observation[])[] = [];
    const byProbe = new Map<string, ProbeEntry>();
    const candidates: Observation[] = [];
    let worst: Observation | null = null;
    for (const view of views) {
      let entry = this.#entries.get(view.id);
      if (!entry || !isCurrent(entry, view, this.settings, now)) {
        entry = this.#compute(inputsAt(view, this.settings, now), now);
        this.#entries.set(view.id, entry);
        recomputed++;
      }
      if (entry.observations.length === 0) continue;
      perProbe.push(entry.observations);
      byProbe.set(view.id, entry);
      for (const candidate of entry.candidates) candidates.push(candidate);
      // Folding the per-probe worsts in probe order picks the same observation as findWorst over all of them (first of the largest).
      if (entry.worst && (!worst || isWorse(entry.worst, worst))) worst = entry.worst;
    }
    this.lastRecomputed = recomputed;
    let all: Observation[] | undefined;
    return {
      observations: () => (all ??= perProbe.flat()),
      worst,
      candidates,
      ofProbe: (probe) => byProbe.get(probe)?.observations ?? [],
      observes: (probe, pop) => byProbe.get(probe)?.pops.has(pop) ?? false,
    };
  }

  #compute(inputs: EntryInputs, now: number): ProbeEntry {
    const { latest, previous, latestInWindow, previousInWindow } = inputs;
    const observations =
      latest && latestInWindow
        ? observeProbe(latest, previousInWindow ? previous : null, now, this.settings.maxExtrapolationMs)
        : [];
    const { alarmAboveMs, clearBelowMs } = this.settings;
    return {
      ...inputs,
      observations,
      worst: findWorst(observations),
      candidates: observations.filter((o) => alarmFigure(o) >= clearBelowMs || alarmFigure(o) > alarmAboveMs),
      pops: new Set(observations.map((o) => o.pop)),
    };
  }
}
