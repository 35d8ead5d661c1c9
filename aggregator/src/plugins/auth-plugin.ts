/**
 * Auth plugin: per-probe bearer tokens for ingest (a token identifies exactly
 * one probe; the ingest route then refuses reports for any other probe id),
 * per-probe rate limiting, and the optional read token for the read API.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { closingConnection, forbidden, rateLimited, unauthorized } from '../http/error-catalogue.js';
import { TokenBuckets } from '../http/token-bucket.js';
import { TokenMatcher, bearerToken } from '../http/token-matcher.js';
import './decorators.js';

async function authPlugin(app: FastifyInstance): Promise<void> {
  const { probes, readToken, ingest } = app.aggregatorConfig;
  const probeTokens = new TokenMatcher(probes);
  const readTokens = readToken === undefined ? null : new TokenMatcher([{ id: 'reader', token: readToken }]);
  const buckets = new TokenBuckets(ingest.reportsPerSecond, ingest.burst, app.clock);

  app.decorateRequest('probeId', null);
  // Runs in onRequest, before fastify reads the body: a refused report is answered at once with
  // `connection: close`, so its body is never read nor drained (a trickled 1 MB body held a socket for minutes).
  app.decorate('authenticateProbe', async (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    if (token === null)
      throw closingConnection(unauthorized('missing bearer token: send "Authorization: Bearer <probe token>"'));
    const probeId = probeTokens.match(token);
    if (probeId === null) {
      if (readTokens !== null && readTokens.match(token) !== null)
        throw closingConnection(forbidden('this is the read token (readToken); ingest takes the probe token'));
      throw closingConnection(
        unauthorized('unknown probe token: check the probe token against the aggregator probes list'),
      );
    }
    request.probeId = probeId;
    const taken = buckets.take(probeId);
    if (!taken.allowed) {
      const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
      throw closingConnection(
        rateLimited(
          `probe "${probeId}" exceeds ${ingest.reportsPerSecond} reports/s (burst ${ingest.burst}); retry after ${seconds} s`,
          seconds,
        ),
      );
    }
  });
  // A callback-style hook, not an async one: it runs on every read (the Pi polls /status every second, dashboards
  // more), and an async hook costs a promise per request even when no read token is configured.
  app.decorate('requireReadToken', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (readTokens === null) return done();
    const token = bearerToken(request.headers.authorization);
    if (token === null)
      return done(unauthorized('missing bearer token: this aggregator requires the read token (readToken)'));
    done(readTokens.match(token) === null ? unauthorized('wrong read token') : undefined);
  });
}

export default fp(authPlugin, { name: 'propwatch-auth', fastify: '5.x' });
