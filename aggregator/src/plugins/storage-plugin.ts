/** Storage plugin: exposes the RoundStore, prunes by age on a timer, closes the store on shutdown. */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { RoundStore } from '../storage/round-store.js';
import './decorators.js';

export interface StoragePluginOptions {
  store: RoundStore;
  retentionMs: number;
  pruneIntervalMs: number;
}

async function storagePlugin(app: FastifyInstance, options: StoragePluginOptions): Promise<void> {
  const { store } = options;
  app.decorate('store', store);
  const prune = async () => {
    try {
      const deleted = await store.prune(app.clock.now() - options.retentionMs);
      if (deleted > 0) app.log.info({ deleted, retentionMs: options.retentionMs }, 'pruned old rounds');
    } catch (error) {
      app.log.error({ err: error }, 'pruning old rounds failed; will retry at the next interval');
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await prune();
    timer = setInterval(() => void prune(), options.pruneIntervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await store.close();
  });
}

export default fp(storagePlugin, { name: 'propwatch-storage', fastify: '5.x' });
