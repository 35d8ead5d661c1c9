/**
 * Admin routes for the anycast side: the vantages and their catchments, the
 * `reroute` fault, and the ground truth per answered query. Every input is
 * checked; an unknown vantage, address or POP is a 400 naming the ones that
 * exist.
 */
import type { FastifyInstance } from 'fastify';
import { RerouteError } from '../vantage-table.js';
import type { SimApiDeps } from './api-deps.js';
import { cfErrors } from './cf-errors.js';
import { ok } from './envelope.js';

/** Answers one GET /admin/truth/answers returns at most (and by default). */
export const MAX_ANSWERS_PER_PAGE = 10_000;
export const DEFAULT_ANSWERS_PER_PAGE = 1000;
const REROUTE_KEYS = ['vantage', 'address', 'pop'];

export function registerVantageRoutes(app: FastifyInstance, deps: SimApiDeps): void {
  const vantages = deps.vantages;

  app.get('/vantages', async () =>
    ok({
      vantages: vantages.list(),
      anycast: vantages.anycast(),
      vantagesOnUnicast: vantages.vantagesOnUnicast,
      reroutes: vantages.reroutes(),
    }),
  );

  app.post('/reroute', async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw cfErrors.badRequest('body: expected {"vantage": "eu-west", "address": "ns1", "pop": "AMS"}');
    const unknown = Object.keys(body).filter((key) => !REROUTE_KEYS.includes(key));
    if (unknown.length > 0)
      throw cfErrors.badRequest(`body: unknown key ${unknown.join(', ')}; expected ${REROUTE_KEYS.join(', ')}`);
    const { vantage, address, pop } = body as Record<string, unknown>;
    try {
      const reroute = vantages.reroute(vantage, address, pop);
      return ok({ reroute, vantage: vantages.list().find((v) => v.name === reroute.vantage) });
    } catch (error) {
      if (error instanceof RerouteError) throw cfErrors.badRequest(error.message);
      throw error;
    }
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/truth/answers', async (request) => {
    const query = request.query;
    const known = ['since', 'limit', 'vantage', 'via', 'pop'];
    const extra = Object.keys(query).filter((key) => !known.includes(key));
    if (extra.length > 0)
      throw cfErrors.badRequest(`unknown query parameter ${extra.join(', ')}; known: ${known.join(', ')}`);
    const pops = deps.listPops().map((p) => p.name);
    const via = [...vantages.anycast().map((a) => a.name), ...pops];
    const filter = {
      since: decimal(query.since, 'since', 0, Number.MAX_SAFE_INTEGER) ?? 0,
      limit: decimal(query.limit, 'limit', 1, MAX_ANSWERS_PER_PAGE) ?? DEFAULT_ANSWERS_PER_PAGE,
      ...oneOf(query.vantage?.toLowerCase(), 'vantage', vantages.names()),
      ...oneOf(query.via, 'via', via),
      ...oneOf(query.pop?.toUpperCase(), 'pop', pops),
    };
    return ok({ ...deps.answers.list(filter), capacity: deps.answers.capacity });
  });
}

function decimal(text: string | undefined, key: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max))
    throw cfErrors.badRequest(`${key} ${JSON.stringify(text)}: expected an integer from ${min} to ${max}`);
  return value;
}

function oneOf(text: string | undefined, key: string, known: readonly string[]): Record<string, string> {
  if (text === undefined) return {};
  if (!known.includes(text))
    throw cfErrors.badRequest(`${key} ${JSON.stringify(text)}: unknown; known: ${known.join(', ')}`);
  return { [key]: text };
}
