/**
 * Admin API under /admin (same listener as the provider API, separate admin
 * bearer token): POP state and faults, the provider API fault, ground truth;
 * vantages, reroutes and the truth per answered query in vantage-routes.ts.
 */
import type { FastifyInstance } from 'fastify';
import { validateFault } from '../faults.js';
import { UnknownPopError } from '../propagator.js';
import type { ApiFault, SimApiDeps } from './api-deps.js';
import { cfErrors } from './cf-errors.js';
import { ok } from './envelope.js';
import { registerVantageRoutes } from './vantage-routes.js';

const API_FAULT_STATUSES = new Set([429, 500, 502, 503]);

export function registerAdminRoutes(app: FastifyInstance, deps: SimApiDeps): void {
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      if (error instanceof UnknownPopError) throw cfErrors.notFound(error.message);
      if (error instanceof Error && !(error instanceof TypeError)) throw cfErrors.badRequest(error.message);
      throw error;
    }
  };

  app.get('/pops', async () => ok(deps.listPops()));

  app.put<{ Params: { pop: string } }>('/pops/:pop/fault', async (request) => {
    guard(() => deps.setFault(request.params.pop, validateFault(request.body, 'body')));
    return ok(deps.listPops().find((p) => p.name === request.params.pop.toUpperCase()));
  });

  app.delete<{ Params: { pop: string } }>('/pops/:pop/fault', async (request) => {
    guard(() => deps.setFault(request.params.pop, null));
    return ok(deps.listPops().find((p) => p.name === request.params.pop.toUpperCase()));
  });

  app.get('/api-fault', async () => ok(deps.apiFault.get()));

  app.put('/api-fault', async (request) => {
    const fault = guard(() => parseApiFault(request.body));
    deps.apiFault.set(fault);
    return ok(fault);
  });

  app.delete('/api-fault', async () => {
    deps.apiFault.set(null);
    return ok(null);
  });

  app.get<{ Querystring: { name?: string; serial?: string } }>('/truth', async (request) => {
    const { name, serial } = request.query;
    if (!name || !serial || !/^[0-9]{1,20}$/.test(serial))
      throw cfErrors.badRequest('query needs name=<record FQDN> and serial=<decimal canary serial>');
    const pops = deps.listPops().map((p) => p.name);
    const served = deps.truth.servedAt(name, BigInt(serial), pops);
    return ok({ name, serial, servedAt: Object.fromEntries(served), commits: deps.truth.commits() });
  });

  app.get('/truth/log', async () => ok({ commits: deps.truth.commits(), served: deps.truth.servedLog() }));

  registerVantageRoutes(app, deps);
}

export function parseApiFault(body: unknown): ApiFault {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const status = input.status;
  if (typeof status !== 'number' || !API_FAULT_STATUSES.has(status))
    throw new Error(`status must be one of 429, 500, 502, 503, got ${JSON.stringify(status)}`);
  const count = input.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000)
    throw new Error(`count must be an integer from 1 to 1000000, got ${JSON.stringify(count)}`);
  const retryAfterS = input.retryAfterS ?? (status === 429 ? 1 : undefined);
  if (
    retryAfterS !== undefined &&
    (typeof retryAfterS !== 'number' || !Number.isInteger(retryAfterS) || retryAfterS < 0 || retryAfterS > 3600)
  ) {
    throw new Error(`retryAfterS must be an integer from 0 to 3600, got ${JSON.stringify(retryAfterS)}`);
  }
  return retryAfterS === undefined ? { status, count } : { status, count, retryAfterS };
}
