/**
 * Status plugin: restores the in-memory status from storage at start (the decided status from the store's status
 * row), then keeps it current (ingest calls `statusTracker.record`; rounds of other replicas arrive through the
 * replicas plugin) and re-evaluates on a timer so staleness and growing pending lower bounds are noticed without
 * reports. Every state change is offered to the transition committer, which decides it once across replicas
 * (transition-committer.ts). It also warns about probes whose wait cannot exceed the threshold (wait-warnings.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ExpectedSource } from '../catchments/coverage.js';
import { acceptSavedStatus, readStatusFile } from '../status/status-file.js';
import { TransitionCommitter } from '../status/transition-committer.js';
import type { RoundHead } from '../storage/round-store.js';
import { StatusTracker } from '../status/status-tracker.js';
import { WaitWarningLog } from '../status/wait-warnings.js';
import './decorators.js';

export interface StatusPluginOptions {
  /** A status file of an older aggregator (status-file.ts), read once to seed an empty status row; or null. */
  statusFile: string | null;
}

async function statusPlugin(app: FastifyInstance, options: StatusPluginOptions): Promise<void> {
  const { status, analysis, probes, expectedPops } = app.aggregatorConfig;
  const configured = expectedPops ? new Set(expectedPops) : null;
  // Coverage against expectedPops, or against every POP seen within retention (the registry, decorated later:
  // until then, at start, nothing is learned yet).
  const expected: ExpectedSource = configured
    ? { basis: 'configured', pops: () => configured }
    : {
        basis: 'learned',
        pops: () => (app.hasDecorator('popRegistry') ? app.popRegistry.knownPops() : new Set()),
      };
  const tracker = new StatusTracker(
    { ...status, windowMs: analysis.windowMs },
    probes.map((probe) => probe.id),
    app.clock,
    expected,
  );
  const now = app.clock.now();
  const recent = await app.store.roundsSince(now - analysis.windowMs);
  const records = await app.store.probes();
  const lastSeen = new Map(records.map((probe) => [probe.id, probe.lastSeenAt]));
  // Probes in storage whose wait cannot exceed the threshold are named at start, not only on their next report.
  const waitWarnings = new WaitWarningLog(status.alarmAboveMs, app.log);
  for (const record of records) waitWarnings.observe(record.id, record.maxWaitMs);
  app.decorate('waitWarnings', waitWarnings);
  const heads = new Map<string, RoundHead[]>();
  for (const probe of probes)
    heads.set(probe.id, await app.store.recentRoundHeads(probe.id, status.degradedAfterWriteFailures));
  // The decided status (the store's status row) gives since across restarts and replicas; a status file of an
  // aggregator before the row existed seeds it once.
  const row = await app.store.statusRow();
  const decided = acceptSavedStatus(row.status, now, 'the status row', app.log);
  const saved =
    decided ??
    (row.version === 0 && options.statusFile ? await readStatusFile(options.statusFile, now, app.log) : null);
  tracker.restore(recent, lastSeen, heads, saved);
  app.decorate('statusTracker', tracker);
  const committer = new TransitionCommitter({
    store: app.store,
    tracker,
    row: { version: row.version, status: decided },
    scheduleNow: Date.now,
    log: app.log,
  });
  app.decorate('transitions', committer);
  tracker.onChange(() => committer.offer());
  // The first offer waits for the other plugins (the notify plugin plans the outbox rows of a transition).
  app.addHook('onReady', async () => committer.offer());
  app.addHook('onClose', () => committer.settled());

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    // Each tick also offers the state to the committer: a commit that failed (database down) is tried again.
    timer = setInterval(() => {
      tracker.evaluate();
      committer.offer();
    }, status.reevaluateMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
  tracker.onChange(({ status: next, previous }) => {
    app.log.warn({ state: next.state, previousState: previous.state, reason: next.reason }, 'status changed');
  });
}

export default fp(statusPlugin, { name: 'propwatch-status', fastify: '5.x', dependencies: ['propwatch-storage'] });
