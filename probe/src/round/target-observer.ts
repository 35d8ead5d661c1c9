/**
 * What one target has shown during a round: the instances that answered
 * through it, each with its own bounds, and which one the target reaches
 * now (its catchment). All times are ms after the write was acknowledged.
 *
 * A unicast target has one instance, the POP it is configured as. Behind an
 * anycast target each answer names its instance by NSID (mapped to a POP):
 * an answer from B never moves A's bounds. The catchment is the instance of
 * the identified answer whose query was *sent* last (answers may arrive out
 * of order; the send order is the route's order). When it moves, the
 * instance left behind keeps its samples: it is `propagated` if it was seen
 * serving, else `rerouted`, censored at its last miss. Flapping (A, B, A …)
 * is every change of catchment within a round, each counted; an instance
 * that comes back resumes its own bounds (the time it was away stays inside
 * its interval, which is honest: nobody looked).
 *
 * Failures that name no instance (a timeout, an answer without NSID) are
 * counted against the instance the target reached at the time, or, before
 * any was identified, against the first one that will be. A target from
 * which no instance was identified all round is `unreachable` (its entry
 * named after the target): nothing was observed about any POP. A unicast
 * target is identified by any answer, even an error RCODE; an anycast one
 * only by an answer that names its instance.
 */
import { plainText, type PopResult, type TargetKind } from '@propwatch/shared';
import { InstanceBounds } from './instance-bounds.js';
import type { PopFromNsid } from './pop-from-nsid.js';
import type { CheckOutcome, Target } from './types.js';

const MAX_ERROR_TEXT = 300;
/** The wire schema's bound on `nsid`; an NSID option may carry up to 64 KiB, shown as twice that in hex. */
export const MAX_NSID_TEXT = 512;
/** Instances tracked per target and round; more is a flapping route or a hostile responder, not a measurement. */
export const MAX_INSTANCES_PER_TARGET = 16;

/** Something worth a log line and a metric, reported by `record`. */
export type ObserverEvent =
  | { kind: 'rerouted'; from: string; to: string; sentMs: number }
  | { kind: 'backwards'; pop: string; missSentMs: number; hitReceivedMs: number }
  | { kind: 'unidentified'; reason: string };

interface Tally {
  queries: number;
  failures: number;
  rttMs?: number | undefined;
  lastError?: string | undefined;
}

interface Instance extends Tally {
  pop: string;
  bounds: InstanceBounds;
  answers: number;
  nsid?: string | undefined;
}

export class TargetObserver {
  private readonly instances = new Map<string, Instance>();
  /** Failures before the first instance was identified; handed to it when it is. */
  private early: Tally = { queries: 0, failures: 0 };
  private catchment: { pop: string; sentMs: number } | undefined;
  /** Times the catchment moved to another instance this round. */
  catchmentChanges = 0;
  /** Answers that named no instance behind an anycast target. */
  unidentified = 0;

  constructor(
    readonly target: Target,
    private readonly popOf: PopFromNsid,
  ) {}

  get kind(): TargetKind {
    return this.target.kind ?? 'unicast';
  }

  /** The POP the target reaches now (the latest identified answer by send time); undefined before any. */
  get catchmentPop(): string | undefined {
    return this.catchment?.pop;
  }

  /** Misses that contradicted an earlier hit, per instance that had any. */
  backwardsByPop(): Array<[pop: string, count: number]> {
    return [...this.instances.values()].filter((i) => i.bounds.backwards > 0).map((i) => [i.pop, i.bounds.backwards]);
  }

  /** The instance the target reaches now has been seen serving: nothing left to poll for. */
  get settled(): boolean {
    return this.current()?.bounds.propagated ?? false;
  }

  /** Applies one query's outcome, sent at `sentMs` and completed at `receivedMs`. */
  record(outcome: CheckOutcome, sentMs: number, receivedMs: number): ObserverEvent[] {
    // Cut short by the round deadline or shutdown: no query the POP answered or failed.
    if (outcome.kind === 'aborted') return [];
    const events: ObserverEvent[] = [];
    const anycast = this.kind === 'anycast';
    const nsid = outcome.nsid === undefined || outcome.nsid === '' ? undefined : outcome.nsid.slice(0, MAX_NSID_TEXT);
    const identifies = anycast ? nsid !== undefined : outcome.kind !== 'failure' || outcome.answered;
    const identified = identifies ? this.identify(nsid, sentMs, events) : undefined;
    if (typeof identified === 'object' && nsid !== undefined) identified.nsid = nsid;
    if (outcome.kind === 'failure' && typeof identified !== 'string') {
      // Failure reasons can quote what a server sent (a malformed TXT): plain text only.
      this.fail(identified ?? this.current() ?? this.early, outcome.reason, outcome.rttMs);
      return events;
    }
    if (identified === undefined || typeof identified === 'string') {
      const reason = identified ?? this.withoutNsid();
      this.unidentified += 1;
      events.push({ kind: 'unidentified', reason });
      this.fail(this.current() ?? this.early, reason, outcome.rttMs);
      return events;
    }
    if (outcome.kind === 'failure') return events; // for the type only: both branches above return on a failure
    const instance = identified;
    instance.queries += 1;
    instance.answers += 1;
    instance.rttMs = outcome.rttMs;
    const back =
      outcome.kind === 'miss'
        ? withHit(instance.bounds.miss(sentMs), sentMs)
        : withMiss(instance.bounds.hit(receivedMs), receivedMs);
    if (back) {
      events.push({ kind: 'backwards', pop: instance.pop, ...back });
      instance.lastError = `went backwards: a miss sent at ${round3(back.missSentMs)} ms after a hit received at ${round3(back.hitReceivedMs)} ms; its bounds restart from that miss`;
    }
    return events;
  }

  /**
   * The round's results at `elapsedMs`, one per instance seen (or one for the
   * target when none was). With `final`, the instance the target reaches
   * then, not seen serving, is `timeout` (censored at `maxWaitMs`), and a
   * target with no instance identified is `unreachable`.
   */
  toPopResults(elapsedMs: number, final: { maxWaitMs: number } | undefined): PopResult[] {
    const common = { target: formatTarget(this.target), via: this.target.name, targetKind: this.kind };
    if (this.instances.size === 0) {
      const tally = this.early;
      const state = final ? 'unreachable' : tally.failures > 0 ? 'failing' : 'pending';
      // Unreachable: nothing observed for as long as the round ran (its elapsedMs, capped at the wait).
      const lowerMs = final ? round3(Math.min(elapsedMs, final.maxWaitMs)) : 0;
      return [{ pop: this.target.name, ...common, ...tallyFields(tally), state, lowerMs }];
    }
    const current = this.current();
    return [...this.instances.values()].map((instance): PopResult => {
      const base = { pop: instance.pop, ...common, ...tallyFields(instance) };
      const { bounds } = instance;
      const lowerMs = round3(bounds.lowerMs);
      if (bounds.upperMs !== undefined) {
        const upperMs = round3(bounds.upperMs);
        return { ...base, state: 'propagated', lowerMs, upperMs, estimateMs: round3((lowerMs + upperMs) / 2) };
      }
      const seenMissing = round3(Math.min(bounds.lowerMs, elapsedMs));
      // Left before it was seen serving: censored at its last miss, never a stuck POP.
      if (instance !== current) return { ...base, state: 'rerouted', lowerMs: seenMissing };
      if (final) return { ...base, state: 'timeout', lowerMs: round3(final.maxWaitMs) };
      // Running: it has not been seen for at least as long as the last miss
      // proves; an instance with only failures so far is `failing`.
      const state = instance.answers === 0 && instance.failures > 0 ? 'failing' : 'pending';
      return { ...base, state, lowerMs: seenMissing };
    });
  }

  private current(): Instance | undefined {
    return this.catchment && this.instances.get(this.catchment.pop);
  }

  /** The instance an answer came from (created when new), or why it cannot be tracked. */
  private identify(nsid: string | undefined, sentMs: number, events: ObserverEvent[]): Instance | string {
    const pop = this.kind === 'anycast' && nsid !== undefined ? this.popOf(nsid) : this.target.name;
    let instance = this.instances.get(pop);
    if (!instance) {
      if (this.instances.size >= MAX_INSTANCES_PER_TARGET)
        return `anycast target ${this.target.name}: more than ${MAX_INSTANCES_PER_TARGET} instances answered in one round; the answer from ${pop} is not tracked`;
      instance = { pop, bounds: new InstanceBounds(), answers: 0, ...this.early };
      this.early = { queries: 0, failures: 0 };
      this.instances.set(pop, instance);
    }
    if (!this.catchment || sentMs >= this.catchment.sentMs) {
      if (this.catchment && this.catchment.pop !== pop) {
        this.catchmentChanges += 1;
        events.push({ kind: 'rerouted', from: this.catchment.pop, to: pop, sentMs });
      }
      this.catchment = { pop, sentMs };
    }
    return instance;
  }

  private withoutNsid(): string {
    return `anycast target ${this.target.name}: answer without NSID, cannot tell which POP answered (enable query.nsid on the servers, or query.chaosIdentityFallback)`;
  }

  private fail(tally: Tally, reason: string, rttMs: number | undefined): void {
    tally.queries += 1;
    tally.failures += 1;
    tally.lastError = plainText(reason, MAX_ERROR_TEXT);
    if (rttMs !== undefined) tally.rttMs = rttMs;
  }
}

function withHit(found: { hitReceivedMs: number } | undefined, missSentMs: number) {
  return found && { missSentMs, hitReceivedMs: found.hitReceivedMs };
}

function withMiss(found: { missSentMs: number } | undefined, hitReceivedMs: number) {
  return found && { missSentMs: found.missSentMs, hitReceivedMs };
}

function tallyFields(tally: Tally & { nsid?: string | undefined }) {
  return {
    queries: tally.queries,
    failures: tally.failures,
    ...(tally.nsid === undefined ? {} : { nsid: tally.nsid }),
    ...(tally.rttMs === undefined ? {} : { rttMs: round3(tally.rttMs) }),
    ...(tally.lastError === undefined ? {} : { lastError: tally.lastError }),
  };
}

export function formatTarget(target: Pick<Target, 'address' | 'port'>): string {
  return target.address.includes(':') ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
}

/** Microsecond resolution is more than the measurement supports; keeps payloads short. */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
