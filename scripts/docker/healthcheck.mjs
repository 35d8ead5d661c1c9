#!/usr/bin/env node
/**
 * The container HEALTHCHECK of every propwatch image target (copied to
 * /app/healthcheck.mjs). It asks what each process itself offers and exits
 * 0 (healthy) or 1 (unhealthy), Docker's contract, with one line saying why
 * (`docker inspect` keeps the last few):
 *
 *   node healthcheck.mjs aggregator        GET /healthz and /readyz (the database takes a write)
 *   node healthcheck.mjs sim               GET /metrics of the provider API (its unauthenticated route)
 *   node healthcheck.mjs probe [MAX_S]     a round finished (or the process started) within MAX_S s (300),
 *                                          read from the probe's own /metrics
 *   node healthcheck.mjs alarm-pi [MAX_S]  the client's health file was rewritten within MAX_S s (60):
 *                                          it got a status from the aggregator that recently
 *
 * Ports and paths come from the component's own PROPWATCH_* variables
 * (defaults as the image sets them), so set those by environment, not only
 * in a config file. Node built-ins only: this runs beside the app, not in it.
 */
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const TIMEOUT_MS = 3000;

/** Value of an unlabelled sample in Prometheus text, or undefined. */
export function metricValue(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{}`));
  const value = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A probe is healthy while rounds keep finishing: the last one (or, before
 * the first, the process start) is at most maxAgeS old. A round lasts up to
 * round.maxWaitMs and starts every round.intervalMs, so choose maxAgeS above
 * both together.
 */
export function probeVerdict(metricsText, nowS, maxAgeS) {
  const last = metricValue(metricsText, 'propwatch_probe_last_round_timestamp_seconds');
  const started = metricValue(metricsText, 'process_start_time_seconds');
  if (last === undefined || started === undefined)
    return { healthy: false, reason: 'probe /metrics lacks propwatch_probe_last_round_timestamp_seconds' };
  const age = Math.round(nowS - Math.max(last, started));
  return last > 0
    ? { healthy: age <= maxAgeS, reason: `last round finished ${age} s ago (limit ${maxAgeS} s)` }
    : { healthy: age <= maxAgeS, reason: `no round finished yet, started ${age} s ago (limit ${maxAgeS} s)` };
}

/** The alarm client rewrites its health file after every poll that got a status. */
export function fileVerdict(mtimeMs, nowMs, maxAgeS) {
  if (mtimeMs === undefined) return { healthy: false, reason: 'no status received yet (health file missing)' };
  const age = Math.round((nowMs - mtimeMs) / 1000);
  return { healthy: age <= maxAgeS, reason: `last status received ${age} s ago (limit ${maxAgeS} s)` };
}

/** Where to reach a server that listens on `host`: the wildcard addresses are reached on loopback. */
export function localUrl(host, port, path) {
  const reach = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}${path}`;
}

async function get(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { ok: response.ok, status: response.status, text: await response.text() };
  } catch (error) {
    return { ok: false, status: 0, text: '', error: error.cause?.code ?? error.name };
  }
}

const describe = (url, answer) => `${url}: ${answer.status === 0 ? answer.error : `HTTP ${answer.status}`}`;

async function allAnswer(urls) {
  const answers = await Promise.all(urls.map(get));
  const failed = urls.map((url, i) => [url, answers[i]]).filter(([, answer]) => !answer.ok);
  return failed.length === 0
    ? { healthy: true, reason: urls.map((url) => `${url}: HTTP 200`).join(', ') }
    : { healthy: false, reason: failed.map(([url, answer]) => describe(url, answer)).join(', ') };
}

function maxAge(text, fallback) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`MAX_S ${JSON.stringify(text)}: expected whole seconds >= 1`);
  return value;
}

export const CHECKS = {
  aggregator: (env) => {
    const port = env.PROPWATCH_LISTEN__PORT || '8080';
    const host = env.PROPWATCH_LISTEN__HOST;
    return allAnswer([localUrl(host, port, '/healthz'), localUrl(host, port, '/readyz')]);
  },
  sim: (env) => allAnswer([localUrl(env.PROPWATCH_API_HOST, env.PROPWATCH_API_PORT || '8053', '/metrics')]),
  probe: async (env, arg) => {
    const url = localUrl(env.PROPWATCH_METRICS__HOST, env.PROPWATCH_METRICS__PORT || '9100', '/metrics');
    const answer = await get(url);
    if (!answer.ok) return { healthy: false, reason: describe(url, answer) };
    return probeVerdict(answer.text, Date.now() / 1000, maxAge(arg, 300));
  },
  'alarm-pi': async (env, arg) => {
    const file = env.PROPWATCH_HEALTH_FILE;
    if (!file)
      return { healthy: false, reason: 'PROPWATCH_HEALTH_FILE is not set, so the client writes no health file' };
    const mtimeMs = await stat(file).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    return fileVerdict(mtimeMs, Date.now(), maxAge(arg, 60));
  },
};

async function main([component, arg], env) {
  const check = CHECKS[component];
  if (!check) {
    // 1, not 2: Docker reserves exit code 2, and a wrong command is unhealthy too.
    process.stdout.write(`unhealthy: usage: healthcheck.mjs ${Object.keys(CHECKS).join('|')} [MAX_S]\n`);
    return 1;
  }
  const verdict = await check(env, arg);
  process.stdout.write(`${verdict.healthy ? 'healthy' : 'unhealthy'}: ${verdict.reason}\n`);
  return verdict.healthy ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error) => {
      process.stdout.write(`unhealthy: ${error.message}\n`);
      process.exit(1);
    },
  );
}
