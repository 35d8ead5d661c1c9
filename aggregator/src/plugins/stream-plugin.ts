/**
 * Stream plugin: the status stream (stream/status-stream.ts), fed by the status tracker's evaluations — not by
 * the ingest route — so an event leaves whenever this replica's status changes, whatever changed it (a report
 * here, a report another replica stored, time passing: staleness, growing pending bounds). Streams end in
 * preClose: fastify's onClose hooks run only after the server has closed, which open streams would prevent.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { StatusStream } from '../stream/status-stream.js';
import { registerStreamMetrics } from '../stream/stream-metrics.js';
import './decorators.js';

async function streamPlugin(app: FastifyInstance): Promise<void> {
  const { limits, http } = app.aggregatorConfig;
  const tracker = app.statusTracker;
  let subscribers = () => 0;
  const metrics = registerStreamMetrics(app.metrics.registry, () => subscribers());
  const stream = new StatusStream({
    initial: tracker.status,
    maxSubscribers: limits.sseSubscribers,
    maxBufferedBytes: limits.sseBufferBytes,
    // Outgoing bytes are the stream's only traffic: a heartbeat must come well within the idle timeout.
    heartbeatMs: Math.min(http.sseHeartbeatMs, Math.floor(http.idleTimeoutMs / 2)),
    retryMs: http.sseRetryMs,
    now: () => app.clock.now(),
    metrics,
  });
  subscribers = () => stream.subscribers;
  tracker.onEvaluated((status) => stream.events.observe(status));
  app.decorate('statusStream', stream);
  app.addHook('preClose', (done) => {
    stream.close();
    done();
  });
}

export default fp(streamPlugin, {
  name: 'propwatch-stream',
  fastify: '5.x',
  dependencies: ['propwatch-status', 'propwatch-metrics'],
});
