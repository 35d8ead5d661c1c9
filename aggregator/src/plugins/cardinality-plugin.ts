/**
 * Cardinality plugin: the (probe, POP) registry that ingest admits reports
 * through (expectedPops, limits.popsPerProbe), restored from storage at start;
 * on the prune schedule (storage.pruneIntervalMs) series not seen within
 * retention expire, and their Prometheus series are removed with them.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { expectedPops } from '../cardinality/expected-pops.js';
import { PopRegistry } from '../cardinality/pop-registry.js';
import './decorators.js';

async function cardinalityPlugin(app: FastifyInstance): Promise<void> {
  const { limits, storage } = app.aggregatorConfig;
  const registry = new PopRegistry({
    popsPerProbe: limits.popsPerProbe,
    expected: expectedPops(app.aggregatorConfig.expectedPops),
  });
  registry.restore(await app.store.popSeries());
  app.decorate('popRegistry', registry);
  // Learned coverage (no expectedPops) is measured against the registry: the status evaluated at restore, before
  // it existed, knew none of the POPs seen within retention.
  app.statusTracker.evaluate();

  const retentionMs = storage.retentionDays * 86_400_000;
  const expire = () => {
    const gone = registry.expire(app.clock.now() - retentionMs);
    for (const { probe, pop } of gone) app.metrics.removeSeries(probe, pop);
    // A POP gone from the registry is no longer expected (learned coverage): re-measure now, not at the next report.
    if (gone.length > 0) app.statusTracker.evaluate();
    if (gone.length > 0)
      app.log.info(
        { series: gone.length, retentionMs },
        'POP series not seen within retention expired with their metrics',
      );
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    expire();
    timer = setInterval(expire, storage.pruneIntervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

export default fp(cardinalityPlugin, {
  name: 'propwatch-cardinality',
  fastify: '5.x',
  dependencies: ['propwatch-storage', 'propwatch-metrics'],
});
