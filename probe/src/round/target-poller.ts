/**
 * Polls one target on a fixed schedule until the instance it reaches has
 * been seen serving, or the round ends.
 *
 * Queries go out every `intervalMs` from the ack (slots ackAt + k·interval)
 * whatever the round trip: a query does not wait for the previous answer, so
 * a 250 ms round trip at a 20 ms interval still samples every 20 ms, and a
 * lost packet costs one slot, not `timeoutMs`. At most `maxInFlight` queries
 * of the target are out at once (about timeoutMs / interval + 1: enough that
 * lost packets never hold the schedule back); a slot that passes while the
 * bound or the global limiter holds the target back is skipped, not made up,
 * so no target ever exceeds one query per slot (which is also how
 * `perTargetQps` caps the rate). Once the target has settled, answers still
 * in flight are awaited: a miss sent before the hit arrived tightens the
 * lower bound, one sent after it shows the instance going backwards (see
 * InstanceBounds), after which polling resumes.
 */
import type { Clock } from '@propwatch/shared';
import type { LimitFunction } from 'p-limit';
import type { ObserverEvent, TargetObserver } from './target-observer.js';
import type { CheckCanary } from './types.js';

export interface PollSchedule {
  /** Monotonic time of the provider's ack: slot 0, and time 0 of every bound. */
  ackAt: number;
  intervalMs: number;
  maxInFlight: number;
  maxWaitMs: number;
}

export interface PollDeps {
  /** Monotonic time for the schedule and every bound. */
  clock: Pick<Clock, 'monotonicNow' | 'sleep'>;
  /** The round's limiter on queries in flight across all targets. */
  limit: LimitFunction;
  check: CheckCanary;
  question: Parameters<CheckCanary>[1];
  /** The round's deadline (maxWaitMs, shutdown): it stops the schedule and reaches every query in flight. */
  signal: AbortSignal;
  /** Fires the deadline: called when a query threw (a bug), so the round ends now and rejects with it. */
  stop: () => void;
  onEvents?: (observer: TargetObserver, events: ObserverEvent[]) => void;
}

/** Queries in flight per target that keep the schedule through lost packets: a timeout's worth of slots, plus one. */
export function inFlightPerTarget(queryTimeoutMs: number, intervalMs: number): number {
  return Math.max(1, Math.ceil(queryTimeoutMs / intervalMs) + 1);
}

export async function pollTarget(observer: TargetObserver, schedule: PollSchedule, deps: PollDeps): Promise<void> {
  const { clock, signal } = deps;
  const { ackAt, intervalMs, maxInFlight, maxWaitMs } = schedule;
  const inFlight = new Set<Promise<void>>();
  let slot = ackAt;
  let bug: { error: unknown } | undefined;
  // Wakes the wait for the next slot when an answer settles the target, so the round ends with its last answer.
  let wake: (() => void) | undefined;

  const query = async () => {
    // Queued behind the global limiter: by now the target may need nothing more.
    if (signal.aborted || observer.settled) return;
    // Timestamps are taken inside the limiter: queue time is not query time.
    const sentAt = clock.monotonicNow();
    // The deadline's signal goes down to the socket: at the deadline or on
    // shutdown, a query in flight settles at once instead of at its timeout.
    const outcome = await deps.check(observer.target, deps.question, signal);
    const receivedAt = clock.monotonicNow();
    // Prefer the socket-level timestamps: they exclude event-loop delay
    // before the send and after the receive, so the bounds are tighter.
    const sent = outcome.sentAt ?? sentAt;
    const received = outcome.receivedAt ?? receivedAt;
    // A failure once the round is over says nothing about the POP (nor does an aborted check: see record()).
    if (signal.aborted && outcome.kind === 'failure') return;
    const events = observer.record(outcome, sent - ackAt, received - ackAt);
    if (events.length > 0) deps.onEvents?.(observer, events);
    if (observer.settled) wake?.();
  };

  /** Sleeps until `at`, or until the deadline fires or an answer settles the target. */
  const sleepUntil = async (at: number) => {
    const waking = new AbortController();
    const stop = () => waking.abort();
    signal.addEventListener('abort', stop, { once: true });
    wake = stop;
    try {
      await clock.sleep(at - clock.monotonicNow(), waking.signal);
    } finally {
      wake = undefined;
      signal.removeEventListener('abort', stop);
    }
  };

  while (!signal.aborted) {
    if (observer.settled || inFlight.size >= maxInFlight) {
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      continue;
    }
    await sleepUntil(slot);
    if (signal.aborted || clock.monotonicNow() - ackAt >= maxWaitMs) break;
    if (observer.settled || inFlight.size >= maxInFlight) continue;
    const running: Promise<void> = deps
      .limit(query)
      .catch((error: unknown) => {
        bug ??= { error };
        deps.stop();
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
    // The first slot after now: one query per slot at most, a missed slot is not made up.
    const now = clock.monotonicNow();
    slot += intervalMs;
    if (slot <= now) slot += (Math.floor((now - slot) / intervalMs) + 1) * intervalMs;
  }
  await Promise.all(inFlight);
  if (bug) throw bug.error;
}
