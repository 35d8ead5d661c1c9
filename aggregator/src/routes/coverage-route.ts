/**
 * GET /api/v1/coverage: which expected POPs fresh probes observe (coverage.ts, the same evaluation as
 * /api/v1/status), the blind spots, and the catchment map (probe → via → pop, catchment-map.ts). Bounded:
 * at most `limit` catchment entries (probes × results of their latest round could be a million).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { catchmentMap } from '../catchments/catchment-map.js';
import '../plugins/decorators.js';
import { READ_SECURITY } from '../plugins/openapi-shape.js';
import { BAD_QUERY_EXAMPLE, STORAGE_UNAVAILABLE_EXAMPLE } from './response-examples.js';
import { ErrorResponse } from './response-schemas.js';
import { answer } from './schema-refs.js';

const MAX_ENTRIES = 5_000;
const DEFAULT_ENTRIES = 1_000;
/** Catchment changes returned at most (one indexed read). */
const MAX_CHANGES = 1_000;

const CoverageQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_ENTRIES,
        description:
          'catchment entries returned at most (sorted by probe, via, pop), default 1000; `truncated` says when more exist',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CoverageResponse = Type.Object(
  {
    basis: Type.Union([Type.Literal('configured'), Type.Literal('learned')], {
      description: 'configured: measured against expectedPops; learned: against every POP seen within retention',
    }),
    observed: Type.Integer({ description: 'expected POPs some fresh probe observes' }),
    expected: Type.Integer(),
    ratio: Type.Union([Type.Number(), Type.Null()], {
      description: 'observed / expected; null when nothing is expected',
    }),
    minCoverage: Type.Number({ description: 'status.minCoverage: below it the status is degraded (0: off)' }),
    missing: Type.Array(Type.String(), { description: 'blind spots: expected POPs no fresh probe observes' }),
    observers: Type.Array(
      Type.Object({ pop: Type.String(), probes: Type.Array(Type.String()) }, { additionalProperties: false }),
      { description: 'per expected or observed POP, the fresh probes that observe it (empty: blind)' },
    ),
    catchments: Type.Array(
      Type.Object(
        {
          probe: Type.String(),
          via: Type.String({ description: 'configured target name the result came through (ns1)' }),
          pop: Type.Union([Type.String(), Type.Null()], { description: 'POP that answered; null: nothing answered' }),
          targetKind: Type.Union([Type.Literal('unicast'), Type.Literal('anycast')]),
          state: Type.String(),
          nsid: Type.Optional(
            Type.String({ description: 'instance identity as the probe reported it; display as text' }),
          ),
          roundId: Type.String(),
          reportedAt: Type.String({ format: 'date-time' }),
          fresh: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      { description: "each probe's latest round in the analysis window: probe → via → pop" },
    ),
    truncated: Type.Boolean({ description: 'more catchment entries exist than `limit`' }),
    changes: Type.Array(
      Type.Object(
        {
          probe: Type.String(),
          via: Type.String(),
          fromPop: Type.Union([Type.String(), Type.Null()], { description: 'null: the address answered nothing' }),
          toPop: Type.Union([Type.String(), Type.Null()], { description: 'null: the address stopped answering' }),
          roundId: Type.String(),
          at: Type.String({ format: 'date-time', description: 'when the report showing it arrived' }),
        },
        { additionalProperties: false },
      ),
      { description: `catchment changes, newest first: at most min(limit, ${MAX_CHANGES}), within the retention` },
    ),
  },
  { $id: 'Coverage' },
);

const COVERAGE_EXAMPLE: Static<typeof CoverageResponse> = {
  basis: 'configured',
  observed: 13,
  expected: 14,
  ratio: 13 / 14,
  minCoverage: 0.9,
  missing: ['SYD'],
  observers: [
    { pop: 'LHR', probes: ['p-eu-west'] },
    { pop: 'SYD', probes: [] },
  ],
  catchments: [
    {
      probe: 'p-eu-west',
      via: 'ns1',
      pop: 'LHR',
      targetKind: 'anycast',
      state: 'propagated',
      nsid: 'lhr1.ns.example.net',
      roundId: 'p-eu-west-1767000000001',
      reportedAt: '2025-01-01T12:30:05.000Z',
      fresh: true,
    },
  ],
  truncated: false,
  changes: [
    {
      probe: 'p-eu-west',
      via: 'ns1',
      fromPop: 'AMS',
      toPop: 'LHR',
      roundId: 'p-eu-west-1767000000001',
      at: '2025-01-01T12:29:35.000Z',
    },
  ],
};

export const coverageRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { analysis, status } = app.aggregatorConfig;
  app.get(
    '/api/v1/coverage',
    {
      onRequest: app.requireReadToken,
      schema: {
        operationId: 'getCoverage',
        security: READ_SECURITY,
        summary: 'Coverage of the expected POPs, blind spots and the catchment map',
        querystring: CoverageQuery,
        response: {
          200: answer(CoverageResponse, 'coverage, blind spots, the catchment map and its changes', COVERAGE_EXAMPLE),
          '4xx': answer(
            ErrorResponse,
            'a bad limit (400 PROPWATCH_BAD_QUERY); the read token missing or wrong (401)',
            BAD_QUERY_EXAMPLE,
          ),
          503: answer(ErrorResponse, 'the store could not be read (retry later)', STORAGE_UNAVAILABLE_EXAMPLE),
        },
      },
    },
    async (request) => {
      const { coverage } = app.statusTracker.evaluation;
      const limit = request.query.limit ?? DEFAULT_ENTRIES;
      const entries = catchmentMap(
        app.statusTracker.views(),
        { windowMs: analysis.windowMs, staleAfterMs: status.staleAfterMs },
        app.clock.now(),
      );
      const changes = await app.store.catchmentChanges(Math.min(limit, MAX_CHANGES));
      return {
        basis: coverage.basis,
        observed: coverage.observed,
        expected: coverage.expected,
        ratio: coverage.ratio,
        minCoverage: status.minCoverage,
        missing: coverage.missing,
        observers: coverage.pops.map((pop) => ({ pop, probes: [...(coverage.observers.get(pop) ?? [])] })),
        catchments: entries.slice(0, limit),
        truncated: entries.length > limit,
        changes: changes.map((change) => ({ ...change, at: new Date(change.at).toISOString() })),
      };
    },
  );
};
