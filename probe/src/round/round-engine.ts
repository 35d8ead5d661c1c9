/**
 * One measurement round: write a fresh serial, then poll every target until
 * each serves it or `maxWaitMs` passes, sending progress reports meanwhile.
 * Failures (a refused write, a dead POP) end up in the report, never as
 * exceptions.
 */
import { setMaxListeners } from 'node:events';
import { buildCanaryTxt, type Logger, plainText, type RoundReport, WIRE_VERSION } from '@propwatch/shared';
import pLimit from 'p-limit';
import type { CanaryWriter } from '../writers/writer.js';
import { TargetTracker } from './target-tracker.js';
import type { CheckCanary, Clock, Target } from './types.js';

/** The wire schema's bound on `round.write.error`. */
const MAX_WRITE_ERROR_TEXT = 1000;

export interface RoundSettings {
  probe: { id: string; region: string; version: string };
  zone: string;
  record: string;
  ttl: number;
  /** Time between two queries to the same target. */
  pollIntervalMs: number;
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
  clock: Clock;
  /** Called with a `running` report every progressMs; if it throws, the error is logged and the round goes on. */
  onProgress?: (report: RoundReport) => void;
  logger?: Logger | undefined;
}

export interface RoundOutcome {
  report: RoundReport;
  /** Monotonic time of the provider's ack (undefined when the write failed); lets tests compare with ground truth. */
  ackAt: number | undefined;
}

export async function runRound(
  settings: RoundSettings,
  targets: readonly Target[],
  serial: bigint,
  deps: RoundDeps,
  signal?: AbortSignal,
): Promise<RoundOutcome> {
  const { clock } = deps;
  const startedAt = clock.wallNow().toISOString();
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
    };
  }
  const ackAt = written.ackAt;
  const trackers = targets.map((target) => new TargetTracker(target));
  const elapsed = () => clock.now() - ackAt;
  const snapshot = (final: boolean) =>
    base(
      final ? 'complete' : 'running',
      final ? Math.min(elapsed(), settings.maxWaitMs) : elapsed(),
      { submitToAckMs },
      trackers.map((t) => t.toPopResult(elapsed(), final ? { maxWaitMs: settings.maxWaitMs } : undefined)),
    );

  const deadline = new AbortController();
  // Every target's sleep listens on this one signal; that is by design, not a leak.
  setMaxListeners(0, deadline.signal);
  const stopAll = () => deadline.abort();
  signal?.addEventListener('abort', stopAll, { once: true });
  try {
    const limit = pLimit(settings.concurrency);
    const intervalMs = Math.max(settings.pollIntervalMs, settings.perTargetQps ? 1000 / settings.perTargetQps : 0);
    const question = { name: settings.record, serial, probeId: settings.probe.id };
    const pollTarget = async (tracker: TargetTracker) => {
      let nextSendAt = ackAt;
      while (!tracker.propagated && !deadline.signal.aborted) {
        await clock.sleep(nextSendAt - clock.now(), deadline.signal);
        if (deadline.signal.aborted || elapsed() >= settings.maxWaitMs) return;
        await limit(async () => {
          // Timestamps are taken inside the limiter: queue time is not query time.
          const sentAt = clock.now();
          // The deadline's signal goes down to the socket: at the deadline or on
          // shutdown, a query in flight settles at once instead of at its timeout.
          const outcome = await deps.check(tracker.target, question, deadline.signal);
          const receivedAt = clock.now();
          // Prefer the socket-level timestamps: they exclude event-loop delay
          // before the send and after the receive, so the bounds are tighter.
          const sent = outcome.sentAt ?? sentAt;
          const received = outcome.receivedAt ?? receivedAt;
          // A failure once the round is over says nothing about the POP (nor does an aborted check: see record()).
          if (!deadline.signal.aborted || outcome.kind !== 'failure')
            tracker.record(outcome, sent - ackAt, received - ackAt);
          nextSendAt = sentAt + intervalMs;
        });
      }
    };
    const progress = (async () => {
      while (!deadline.signal.aborted) {
        await clock.sleep(settings.progressMs, deadline.signal);
        if (deadline.signal.aborted) break;
        // A failed progress report (the spool's disk is full) must not end
        // the measurement: the final report may still get through.
        try {
          deps.onProgress?.(snapshot(false));
        } catch (error) {
          deps.logger?.error(
            { roundId: `${settings.probe.id}-${serial}`, err: error },
            'progress report failed; the round goes on',
          );
        }
      }
    })();
    const timeout = (async () => {
      await clock.sleep(ackAt + settings.maxWaitMs - clock.now(), deadline.signal);
      deadline.abort();
    })();
    try {
      await Promise.all(trackers.map(pollTarget));
    } finally {
      // Also when a poller threw: stop the progress and timeout loops before
      // leaving, so neither outlives the round.
      deadline.abort();
      await Promise.all([progress, timeout]);
    }
    return { report: snapshot(true), ackAt };
  } finally {
    deadline.abort();
    signal?.removeEventListener('abort', stopAll);
  }
}
