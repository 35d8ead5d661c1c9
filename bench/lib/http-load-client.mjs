#!/usr/bin/env node
/**
 * The second process that loads the aggregator (autocannon's programmatic
 * API). Prints {"ready":true}, then one JSON line per run.
 *   --mode get     GET --url with --connections for --seconds
 *   --mode ingest  POST unique 14-POP round reports, probes taken in turn from
 *                  --probes ids (each with its own bearer token); round numbers
 *                  from --first-sequence (clients loading one database at once
 *                  give each its own range)
 *   --mode scale   ingest at --ingest-rate reports/s from --probes probes and
 *                  GET /api/v1/status at --status-rate requests/s, at once
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { makeReport, probeIds, tokenFor } from './report-factory.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    url: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    probes: { type: 'string', default: '20' },
    'ingest-rate': { type: 'string', default: '1000' },
    'status-rate': { type: 'string', default: '100' },
    'first-sequence': { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);

function summarize(result) {
  const ok = result['2xx'];
  return {
    requestsPerS: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  };
}

/**
 * Load reports are numbered from here: seed-store.mjs numbers the seeded
 * rounds from 0 with the same probes, and a load report with a seeded round's
 * id would be an `unchanged` upsert that never reaches the status evaluation.
 */
const FIRST_SEQUENCE = 100_000_000;

function ingestRequests(probeCount) {
  const ids = probeIds(probeCount);
  let sequence = values['first-sequence'] === undefined ? FIRST_SEQUENCE : Number(values['first-sequence']);
  return [
    {
      method: 'POST',
      path: '/api/v1/rounds',
      setupRequest: (request) => {
        const probeId = ids[sequence % ids.length];
        const report = makeReport(probeId, sequence++);
        return {
          ...request,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor(probeId)}` },
          body: JSON.stringify(report),
        };
      },
    },
  ];
}

const run = (options) => autocannon({ duration: seconds, ...options });

console.log(JSON.stringify({ ready: true }));
if (values.mode === 'get') {
  console.log(JSON.stringify(summarize(await run({ url: values.url, connections }))));
} else if (values.mode === 'ingest') {
  console.log(
    JSON.stringify(
      summarize(await run({ url: values.url, connections, requests: ingestRequests(Number(values.probes)) })),
    ),
  );
} else if (values.mode === 'scale') {
  const [ingest, status] = await Promise.all([
    run({
      url: values.url,
      connections: 20,
      overallRate: Number(values['ingest-rate']),
      requests: ingestRequests(Number(values.probes)),
    }),
    run({ url: `${values.url}/api/v1/status`, connections: 4, overallRate: Number(values['status-rate']) }),
  ]);
  console.log(JSON.stringify({ ingest: summarize(ingest), status: summarize(status) }));
} else {
  throw new Error(`--mode must be get, ingest or scale, got ${values.mode}`);
}
