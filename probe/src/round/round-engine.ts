/**
 * One measurement round: write a fresh serial, then poll every target until
 * each serves it or `maxWaitMs` passes, sending progress reports meanwhile.
 * Failures (a refused write, a dead POP) end up in the report, never as
 * exceptions.
 */
import { setMaxListeners } from 'node:events';
import { buildCanaryTxt, type Clock, type Logger, plainText, type RoundReport, WIRE_VERSION } from '@propwatch/shared';
import pLimit from 'p-limit';
import type { CanaryWriter } from '../writers/writer.js';
import { createPopFromNsid, type PopFromNsid } from './pop-from-nsid.js';
import { type ObserverEvent, TargetObserver } from './target-observer.js';
import { inFlightPerTarget, pollTarget } from './target-poller.js';
import type { CheckCanary, Target } from './types.js';

/** The querier's default per-query timeout, for settings that do not name one. */
const DEFAULT_QUERY_TIMEOUT_MS = 1000;
/** The wire schema's bound on `round.write.error`. */
const MAX_WRITE_ERROR_TEXT = 1000;

export interface RoundSettings {
  probe: { id: string; region: string; version: string };
  zone: string;
  record: string;
  ttl: number;
  /** Time between two queries to the same target (whatever the round trip: several may be in flight). */
  pollIntervalMs: number;
  /**
   * The querier's per-query timeout (default 1000 ms, the querier's own);
   * bounds the queries in flight per target at timeout / interval + 1.
   */
  queryTimeoutMs?: number | undefined;
  /** Optional per-target budget in queries per second; widens the interval when lower. */
  perTargetQps?: number | undefined;
  maxWaitMs: number;
  progressMs: number;
  /** Queries in flight across all targets at most. */
  concurrency: number;
}

export interface RoundDeps {
  writer: CanaryWriter;
  check: CheckCanary;
  /** Monotonic time for every bound and wait; the wall clock only for `startedAt`. */
  clock: Pick<Clock, 'now' | 'monotonicNow' | 'sleep'>;
  /** Names the POP of an anycast answer from its NSID (default: the sanitised NSID itself). */
  popFromNsid?: PopFromNsid | undefined;
  /** Called with a `running` report every progressMs; if it throws, the error is logged and the round goes on. */
  onProgress?: (report: RoundReport) => void;
  logger?: Logger | undefined;
}

/** What a target showed besides its results: for metrics and logs, not for the wire. */
export interface TargetSummary {
  via: string;
  kind: 'unicast' | 'anycast';
  /** The POP the target reached at the end (undefined: none identified). */
  catchment: string | undefined;
  /** Times the catchment moved within the round (A → B → A is two). */
  catchmentChanges: number;
  /** Answers of an anycast target that named no instance (no NSID, CHAOS failed). */
  unidentified: number;
  /** Misses that contradicted an earlier hit of the same instance, by POP. */
  backwards: Record<string, number>;
}

export interface RoundOutcome {
  report: RoundReport;
  /** Monotonic time of the provider's ack (undefined when the write failed); lets tests compare with ground truth. */
  ackAt: number | undefined;
  /** One per target polled (empty when the write failed). */
  targets: TargetSummary[];
}

export async function runRound(
  settings: RoundSettings,
  targets: readonly Target[],
  serial: bigint,
  deps: RoundDeps,
  signal?: AbortSignal,
): Promise<RoundOutcome> {
  const { clock } = deps;
  const startedAt = new Date(clock.now()).toISOString();
  const base = (
    state: RoundReport['round']['state'],
    elapsedMs: number,
    write: RoundReport['round']['write'],
    pops: RoundReport['round']['pops'],
  ): RoundReport => ({
    wireVersion: WIRE_VERSION,
    probe: { ...settings.probe },
    round: {
      id: `${settings.probe.id}-${serial}`,
      zone: settings.zone,
      record: settings.record,
      serial: serial.toString(),
      startedAt,
      state,
      elapsedMs: Math.round(elapsedMs * 1000) / 1000,
      // Lets the aggregator see whether this wait can exceed its alarm threshold (a timeout always alarms).
      maxWaitMs: settings.maxWaitMs,
      write,
      pops,
    },
  });

  const written = await deps.writer.write(
    {
      name: settings.record,
      zone: settings.zone,
      content: buildCanaryTxt({ serial, probeId: settings.probe.id }),
      ttl: settings.ttl,
    },
    signal,
  );
  const submitToAckMs = Math.round(written.submitToAckMs * 1000) / 1000;
  if (!written.ok) {
    return {
      // The provider's message is text from outside: one plain line within the wire bound.
      report: base('write_failed', 0, { submitToAckMs, error: plainText(written.error, MAX_WRITE_ERROR_TEXT) }, []),
      ackAt: undefined,
      targets: [],
    };
  }
  const ackAt = written.ackAt;
  const popFromNsid = deps.popFromNsid ?? createPopFromNsid();
  const observers = targets.map((target) => new TargetObserver(target, popFromNsid));
  const elapsed = () => clock.monotonicNow() - ackAt;
  const snapshot = (final: boolean) => {
    // The final report's elapsed time is capped at the wait, and so is an unreachable target's bound.
    const elapsedMs = final ? Math.min(elapsed(), settings.maxWaitMs) : elapsed();
    return base(
      final ? 'complete' : 'running',
      elapsedMs,
      { submitToAckMs },
      observers.flatMap((o) => o.toPopResults(elapsedMs, final ? { maxWaitMs: settings.maxWaitMs } : undefined)),
    );
  };

  const deadline = new AbortController();
  // Every target's sleep listens on this one signal; that is by design, not a leak.
  setMaxListeners(0, deadline.signal);
  const stopAll = () => deadline.abort();
  signal?.addEventListener('abort', stopAll, { once: true });
  try {
    const limit = pLimit(settings.concurrency);
    const intervalMs = Math.max(settings.pollIntervalMs, settings.perTargetQps ? 1000 / settings.perTargetQps : 0);
    const schedule = {
      ackAt,
      intervalMs,
      maxInFlight: inFlightPerTarget(settings.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, intervalMs),
      maxWaitMs: settings.maxWaitMs,
    };
    const question = { name: settings.record, serial, probeId: settings.probe.id };
    const roundId = `${settings.probe.id}-${serial}`;
    const logEvents = eventLogger(roundId, deps.logger);
    const poll = (observer: TargetObserver) =>
      pollTarget(observer, schedule, {
        clock,
        limit,
        check: deps.check,
        question,
        signal: deadline.signal,
        stop: stopAll,
        onEvents: logEvents,
      });
    const progress = (async () => {
      while (!deadline.signal.aborted) {
        await clock.sleep(settings.progressMs, deadline.signal);
        if (deadline.signal.aborted) break;
        // A failed progress report (the spool's disk is full) must not end
        // the measurement: the final report may still get through.
        try {
          deps.onProgress?.(snapshot(false));
        } catch (error) {
          deps.logger?.error({ roundId, err: error }, 'progress report failed; the round goes on');
        }
      }
    })();
    const timeout = (async () => {
      await clock.sleep(ackAt + settings.maxWaitMs - clock.monotonicNow(), deadline.signal);
      deadline.abort();
    })();
    try {
      await Promise.all(observers.map(poll));
    } finally {
      // Also when a poller threw: stop the progress and timeout loops before
      // leaving, so neither outlives the round.
      deadline.abort();
      await Promise.all([progress, timeout]);
    }
    return { report: snapshot(true), ackAt, targets: observers.map(summarise) };
  } finally {
    deadline.abort();
    signal?.removeEventListener('abort', stopAll);
  }
}

function summarise(observer: TargetObserver): TargetSummary {
  const backwards: Record<string, number> = {};
  for (const [pop, count] of observer.backwardsByPop()) backwards[pop] = count;
  return {
    via: observer.target.name,
    kind: observer.kind,
    catchment: observer.catchmentPop,
    catchmentChanges: observer.catchmentChanges,
    unidentified: observer.unidentified,
    backwards,
  };
}

/**
 * Logs what an operator should hear about while the round runs: a catchment
 * that moved (info) and an instance that went backwards (warn) each time,
 * answers that name no instance once per target and round (they come with
 * every query when the servers send no NSID).
 */
function eventLogger(roundId: string, logger: Logger | undefined) {
  const unidentifiedLogged = new Set<TargetObserver>();
  return (observer: TargetObserver, events: ObserverEvent[]) => {
    const via = observer.target.name;
    for (const event of events) {
      if (event.kind === 'rerouted')
        logger?.info({ roundId, via, from: event.from, to: event.to, sentMs: event.sentMs }, 'catchment moved');
      else if (event.kind === 'backwards')
        logger?.warn(
          { roundId, via, pop: event.pop, hitReceivedMs: event.hitReceivedMs, missSentMs: event.missSentMs },
          'instance went backwards: a miss after a hit; its bounds restart from the miss',
        );
      else if (!unidentifiedLogged.has(observer)) {
        unidentifiedLogged.add(observer);
        logger?.warn({ roundId, via, reason: event.reason }, 'anycast answer names no instance');
      }
    }
  };
}
