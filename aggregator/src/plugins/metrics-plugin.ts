/** Metrics plugin: a per-app prom-client Registry, served on GET /metrics (read token applies). */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { AggregatorMetrics } from '../metrics/aggregator-metrics.js';
import { findAlarmPops } from '../status/alarm-pops.js';
import './decorators.js';

async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const metrics = new AggregatorMetrics({
    probeIds: app.aggregatorConfig.probes.map((probe) => probe.id),
    status: () => app.statusTracker.status,
    observations: () => app.statusTracker.evaluation.observations,
    alarmPops: () => findAlarmPops(app.statusTracker.evaluation).map((breach) => breach.pop),
    quorumWorstMs: () => app.statusTracker.evaluation.quorumWorstMs,
    coverage: () => app.statusTracker.evaluation.coverage,
    lastReports: () => new Map(app.statusTracker.views().map((view) => [view.id, view.lastReportAt])),
  });
  app.decorate('metrics', metrics);
  app.get('/metrics', { onRequest: app.requireReadToken, schema: { hide: true } }, async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

export default fp(metricsPlugin, {
  name: 'propwatch-metrics',
  fastify: '5.x',
  dependencies: ['propwatch-status', 'propwatch-auth'],
});
