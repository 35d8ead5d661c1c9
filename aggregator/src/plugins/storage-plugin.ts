/**
 * Storage plugin: exposes the RoundStore, wrapped so every write outcome
 * feeds the WriteHealth that /readyz reads; prunes by age on a timer; checks
 * on another timer that the database files are still the ones opened; closes
 * the store on shutdown. A failure streak is logged at error once when it
 * starts (or changes cause) and at info when a write succeeds again.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { RoundStore } from '../storage/round-store.js';
import { trackWrites } from '../storage/tracked-store.js';
import { WriteHealth } from '../storage/write-health.js';
import './decorators.js';

export interface StoragePluginOptions {
  store: RoundStore;
  retentionMs: number;
  pruneIntervalMs: number;
  fileCheckIntervalMs: number;
}

async function storagePlugin(app: FastifyInstance, options: StoragePluginOptions): Promise<void> {
  const health = new WriteHealth();
  const store = trackWrites(options.store, health, () => app.clock.now(), {
    onFailing: (failure, error) =>
      app.log.error(
        {
          code: failure.code,
          since: new Date(failure.since).toISOString(),
          reason: failure.message,
          // The stack says nothing about a full disk or a deleted file; it does about an unexpected error.
          ...(failure.code === 'STORAGE_ERROR' ? { err: error } : {}),
        },
        'storage writes are failing: /readyz answers 503 until a write succeeds',
      ),
    onRecovered: (ended) =>
      app.log.info({ code: ended.code, since: new Date(ended.since).toISOString() }, 'storage writes succeed again'),
  });
  app.decorate('store', store);
  app.decorate('writeHealth', health);
  const prune = async () => {
    try {
      const deleted = await store.prune(app.clock.now() - options.retentionMs);
      if (deleted > 0) app.log.info({ deleted, retentionMs: options.retentionMs }, 'pruned old rounds');
    } catch (error) {
      app.log.error({ err: error }, 'pruning old rounds failed; will retry at the next interval');
    }
  };
  // The failure (and its log line) is recorded by the tracking wrapper; nothing more to do here.
  const verifyFiles = () => store.verifyFiles().catch(() => undefined);
  let pruneTimer: NodeJS.Timeout | undefined;
  let fileTimer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await prune();
    pruneTimer = setInterval(() => void prune(), options.pruneIntervalMs);
    pruneTimer.unref();
    fileTimer = setInterval(() => void verifyFiles(), options.fileCheckIntervalMs);
    fileTimer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(pruneTimer);
    clearInterval(fileTimer);
    await store.close();
  });
}

export default fp(storagePlugin, { name: 'propwatch-storage', fastify: '5.x' });
