/**
 * Status plugin: restores the in-memory status from storage at start, then
 * keeps it current (ingest calls `statusTracker.record`) and re-evaluates on
 * a timer so staleness and growing pending lower bounds are noticed without reports.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { RoundState } from '@propwatch/shared';
import { createStatusSaver, readStatusFile } from '../status/status-file.js';
import { StatusTracker } from '../status/status-tracker.js';
import './decorators.js';

export interface StatusPluginOptions {
  /** Where the status is saved across restarts (status-file.ts); null keeps it in memory only. */
  statusFile: string | null;
}

async function statusPlugin(app: FastifyInstance, options: StatusPluginOptions): Promise<void> {
  const { status, analysis, probes } = app.aggregatorConfig;
  const tracker = new StatusTracker(
    { ...status, windowMs: analysis.windowMs },
    probes.map((probe) => probe.id),
    app.clock,
  );
  const now = app.clock.now();
  const recent = await app.store.roundsSince(now - analysis.windowMs);
  const lastSeen = new Map((await app.store.probes()).map((probe) => [probe.id, probe.lastSeenAt]));
  const states = new Map<string, RoundState[]>();
  for (const probe of probes)
    states.set(probe.id, await app.store.recentRoundStates(probe.id, status.degradedAfterWriteFailures));
  const saved = options.statusFile ? await readStatusFile(options.statusFile, now, app.log) : null;
  tracker.restore(recent, lastSeen, states, saved);
  app.decorate('statusTracker', tracker);
  if (options.statusFile) {
    const saver = createStatusSaver(options.statusFile, app.log);
    saver.save(tracker.status);
    tracker.onChange(({ status: next }) => saver.save(next));
    app.addHook('onClose', () => saver.idle());
  }

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => tracker.evaluate(), status.reevaluateMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
  tracker.onChange(({ status: next, previous }) => {
    app.log.warn({ state: next.state, previousState: previous.state, reason: next.reason }, 'status changed');
  });
}

export default fp(statusPlugin, { name: 'propwatch-status', fastify: '5.x', dependencies: ['propwatch-storage'] });
