/**
 * `build(options)` assembles the aggregator from plugins and returns the
 * fastify instance (not yet listening). Tests call `app.inject()` on it; the
 * CLI calls `listen`. The dashboard plugin serves the page at `/`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Clock, type Logger, systemClock } from '@propwatch/shared';
import type { AggregatorConfig } from './config.js';
import { coverageRoute } from './routes/coverage-route.js';
import dashboardPlugin from './dashboard/dashboard-plugin.js';
import { installErrorHandling } from './http/error-handler.js';
import { validatorCompiler } from './http/validator-compiler.js';
import { ReadGate } from './http/read-gate.js';
import authPlugin from './plugins/auth-plugin.js';
import cardinalityPlugin from './plugins/cardinality-plugin.js';
import docsPlugin from './plugins/docs-plugin.js';
import metricsPlugin from './plugins/metrics-plugin.js';
import notifyPlugin from './plugins/notify-plugin.js';
import statusPlugin from './plugins/status-plugin.js';
import storagePlugin from './plugins/storage-plugin.js';
import streamPlugin from './plugins/stream-plugin.js';
import { addApiSchemas } from './routes/api-schemas.js';
import { healthRoutes } from './routes/health-routes.js';
import { ingestRoute } from './routes/ingest-route.js';
import { popsRoute } from './routes/pops-route.js';
import { probesRoute } from './routes/probes-route.js';
import { propagationRoute } from './routes/propagation-route.js';
import { roundsRoute } from './routes/rounds-route.js';
import { statusRoute } from './routes/status-route.js';
import { statusStreamRoute } from './stream/status-stream-route.js';
import { statusFilePath } from './status/status-file.js';
import type { RoundStore } from './storage/round-store.js';
import { openStore } from './storage/open-store.js';

export interface BuildOptions {
  /** Validated configuration (see `resolveConfig` / `loadAggregatorConfig`). */
  config: AggregatorConfig;
  /** Storage; the store `config.storage` names (openStore) when omitted. The app closes it. */
  store?: RoundStore;
  /** Wall clock for timestamps and windows, monotonic for rate limits; tests pass a fake. */
  clock?: Pick<Clock, 'now' | 'monotonicNow'>;
  /** A pino logger (shared `createLogger`); silent when omitted. */
  logger?: Logger;
  /** fetch used for webhooks; the global one when omitted. */
  fetch?: typeof fetch;
}

/** Heavy reads (long windows, many rounds) at once; more wait in the queue; beyond it, 503 retry. */
const HEAVY_READS = { concurrent: 4, queued: 32 };

/**
 * Deadlines for every connection, so a client that trickles its headers or body (or stops reading) cannot hold
 * a socket: fastify's own defaults are no request timeout and a 72 s keep-alive. Node enforces the header and
 * request timeouts on a sweep every `connectionsCheckingInterval` (30 s by default, which would let a trickler
 * live that much longer), so the sweep runs at a quarter of the shorter timeout, at most once a second.
 */
function connectionTimeouts(http: AggregatorConfig['http']) {
  return {
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    http: {
      requestTimeout: http.requestTimeoutMs,
      headersTimeout: http.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(http.headersTimeoutMs / 4))),
    },
  };
}

export function build(options: BuildOptions): FastifyInstance {
  const { config } = options;
  // Widened to fastify's logger type so the instance is a plain FastifyInstance (pino's Logger would make it generic).
  const logger: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    // One info line per request would cost more than answering /status; errors
    // and 4xx reasons are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // fastify gives every request a child logger bound to its id; creating a pino child (which also runs the
    // redaction paths over its bindings) cost ~8% of CPU on /api/v1/status. The few request log lines name
    // the request id themselves (`reqId`), so requests share the app's logger.
    childLoggerFactory: (logger) => logger,
    bodyLimit: config.ingest.bodyLimitBytes,
    return503OnClosing: true,
    ...connectionTimeouts(config.http),
  });
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only: text bodies get a 415 naming the content type instead of a confusing schema error.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  // Access log at debug level only (see disableRequestLogging above), and the hook only when the logger starts at
  // debug or trace: a hook on every request is measurable on /api/v1/status.
  if (options.logger && ['debug', 'trace'].includes(options.logger.level)) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.debug(
        {
          reqId: request.id,
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: reply.elapsedTime,
        },
        'request completed',
      );
      done();
    });
  }
  app.decorate('aggregatorConfig', config);
  app.decorate('clock', options.clock ?? systemClock);
  app.decorate('readGate', new ReadGate(HEAVY_READS));

  const store = options.store ?? openStore(config.storage, logger);
  void app.register(storagePlugin, {
    store,
    retentionMs: config.storage.retentionDays * 86_400_000,
    pruneIntervalMs: config.storage.pruneIntervalMs,
    fileCheckIntervalMs: config.storage.fileCheckIntervalMs,
  });
  addApiSchemas(app);
  void app.register(authPlugin);
  // The status is saved beside the SQLite database the app opens itself; an injected store (tests) has no file of
  // ours, and replicas sharing PostgreSQL have no file they share.
  void app.register(statusPlugin, {
    statusFile: options.store || config.storage.backend !== 'sqlite' ? null : statusFilePath(config.storage.path),
  });
  void app.register(metricsPlugin);
  void app.register(streamPlugin);
  void app.register(cardinalityPlugin);
  void app.register(notifyPlugin, options.fetch ? { fetch: options.fetch } : {});
  void app.register(docsPlugin);
  void app.register(dashboardPlugin);
  void app.register(async (api) => {
    await api.register(ingestRoute);
    await api.register(statusRoute);
    await api.register(statusStreamRoute);
    await api.register(propagationRoute);
    await api.register(roundsRoute);
    await api.register(popsRoute);
    await api.register(coverageRoute);
    await api.register(probesRoute);
    await api.register(healthRoutes);
  });
  return app;
}
