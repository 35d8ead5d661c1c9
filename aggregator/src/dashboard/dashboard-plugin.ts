/**
 * Dashboard plugin: the page at `/`, its assets under `/assets/` (uPlot under
 * `/assets/vendor/`), and the chart's read route `/api/v1/history`. Page and
 * assets carry a strict Content-Security-Policy; `/api/v1/matrix` gives the
 * banner and the POP × probe table from one status evaluation; `/api/v1/alarms`
 * the alarm history (state changes stored as they happen); the page itself is static and
 * fetches everything from the read API, so it holds no data and needs no token.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import '../plugins/decorators.js';
import { alarmHistoryRoute } from './alarm-history-route.js';
import { historyRoute } from './history-route.js';
import { matrixRoute } from './matrix-route.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { type StaticAsset, loadAssets } from './static-assets.js';

export interface DashboardPluginOptions {
  /** Directory holding index.html and the dashboard scripts; `aggregator/public` by default. */
  publicDir?: string;
}

function serveAsset(asset: StaticAsset) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.headers(SECURITY_HEADERS).header('etag', asset.etag).type(asset.contentType);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  };
}

async function dashboardPlugin(app: FastifyInstance, options: DashboardPluginOptions): Promise<void> {
  const assets = loadAssets(options.publicDir);
  for (const [url, asset] of assets) {
    app.get(url, { schema: { hide: true } }, serveAsset(asset));
  }
  await app.register(historyRoute);
  await app.register(matrixRoute);
  await app.register(alarmHistoryRoute);
}

export default fp(dashboardPlugin, {
  name: 'propwatch-dashboard',
  fastify: '5.x',
  dependencies: ['propwatch-auth', 'propwatch-storage', 'propwatch-status', 'propwatch-cardinality'],
});
