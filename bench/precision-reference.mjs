/**
 * The same kind of propagation events observed the way operators do it
 * today: blackbox_exporter's DNS prober scraped at a fixed interval (1 s and
 * 15 s), and a `dig +norec +short` polling loop at 1 s (one process per poll,
 * like the common open-source propagation checkers). All three watch the same
 * writes at once.
 *
 * Each wave writes a new serial into `names` canary records through the sim's
 * provider API. Every observer of every (name, POP) runs on its own fixed
 * schedule whose phase is random relative to the write (Prometheus spreads
 * targets over the interval the same way), starting one interval before the
 * write so there is always a failed scrape before the first success.
 *
 * What a tool reports: for blackbox the sample timestamp of the first
 * successful scrape (Prometheus stamps samples with the scrape's start); for
 * the dig loop the moment dig returns the new serial (when the checker
 * prints it). Its interval is [start of the last failed attempt, end of the
 * first successful one].
 */
import { blackboxConfig, scrapeBlackbox, startBlackbox } from './lib/blackbox.mjs';
import { runCommand, sleep } from './lib/proc.mjs';

export { blackboxConfig };

export async function callApi(sim, method, path, body) {
  const response = await fetch(`${sim.apiUrl}/zones/${sim.zoneId}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!json.success) throw new Error(`sim API ${method} ${path}: ${JSON.stringify(json.errors)}`);
  return json.result;
}

export const canaryContent = (serial, probe) => `propwatch=1 serial=${serial} probe=${probe}`;

async function digSerialAtLeast(target, name, serial) {
  const { stdout } = await runCommand(
    'dig',
    [`@${target.address}`, '-p', String(target.port), '+norec', '+short', '+time=1', '+tries=1', 'TXT', name],
    { timeoutMs: 3000 },
  );
  const match = /serial=(\d+)/.exec(stdout);
  return match !== null && BigInt(match[1]) >= serial;
}

/** Polls `attempt` every `intervalMs` from `firstAt` until it succeeds or `deadline`; returns every attempt. */
export async function runSchedule({ firstAt, intervalMs, deadline, attempt }) {
  const attempts = [];
  let next = firstAt;
  while (next <= deadline) {
    await sleep(Math.max(0, next - performance.now()));
    const start = performance.now();
    const ok = await attempt().catch(() => false);
    const end = performance.now();
    attempts.push({ start, end, ok });
    if (ok) break;
    // Like Prometheus, a slot missed because an attempt ran long is skipped, not made up.
    next += intervalMs;
    while (next < performance.now()) next += intervalMs;
  }
  return attempts;
}

export function scoreAttempts(attempts, truthMs, stampAt) {
  const hit = attempts.findIndex((a) => a.ok);
  if (hit <= 0) return undefined;
  const success = attempts[hit];
  return {
    lowerMs: attempts[hit - 1].start,
    upperMs: success.end,
    estimateMs: stampAt === 'start' ? success.start : success.end,
    truthMs,
  };
}

/**
 * Runs `waves` waves of `names` concurrent canary writes; returns
 * observations per tool: `{blackboxFast, blackboxSlow, dig}`.
 */
export const REFERENCE_INTERVALS = { blackboxFast: 1000, blackboxSlow: 15_000, dig: 1000 };

export async function observeWithReferenceTools(
  sim,
  { waves, names, maxPropagationMs = 10_000, intervals = REFERENCE_INTERVALS, random = Math.random },
) {
  const tools = [
    { key: 'blackboxFast', intervalMs: intervals.blackboxFast, stampAt: 'start' },
    { key: 'blackboxSlow', intervalMs: intervals.blackboxSlow, stampAt: 'start' },
    { key: 'dig', intervalMs: intervals.dig, stampAt: 'end' },
  ];
  const longest = Math.max(...tools.map((t) => t.intervalMs));
  const canaries = Array.from({ length: names }, (_, j) => ({
    probe: `ref${j + 1}`,
    name: `ref${j + 1}._propwatch.${sim.zone}`,
  }));
  const base = BigInt(Date.now());
  const serials = Array.from({ length: waves }, (_, w) => base + BigInt(w + 1) * 1000n);
  const modules = serials.flatMap((serial, w) => canaries.map((c, j) => ({ id: `w${w}n${j}`, name: c.name, serial })));
  for (const canary of canaries)
    canary.id = (
      await callApi(sim, 'POST', '/dns_records', {
        type: 'TXT',
        name: canary.name,
        content: canaryContent(base, canary.probe),
        ttl: 30,
      })
    ).id;
  const blackbox = await startBlackbox(modules);
  const observations = Object.fromEntries(tools.map((t) => [t.key, []]));
  const problems = [];
  try {
    for (let w = 0; w < waves; w++) {
      const serial = serials[w];
      const writeAt = performance.now() + longest;
      const deadline = writeAt + maxPropagationMs + longest;
      const runs = [];
      for (const tool of tools) {
        for (const [j, canary] of canaries.entries()) {
          for (const pop of sim.pops) {
            const target = { address: pop.address, port: pop.port };
            const attempt =
              tool.key === 'dig'
                ? () => digSerialAtLeast(target, canary.name, serial)
                : () => scrapeBlackbox(blackbox.url, `w${w}n${j}`, `${pop.address}:${pop.port}`);
            const firstAt = writeAt - tool.intervalMs + random() * tool.intervalMs;
            runs.push(
              runSchedule({ firstAt, intervalMs: tool.intervalMs, deadline, attempt }).then((attempts) => ({
                tool,
                canary,
                pop: pop.name,
                attempts,
              })),
            );
          }
        }
      }
      await sleep(Math.max(0, writeAt - performance.now()));
      for (const canary of canaries)
        await callApi(sim, 'PUT', `/dns_records/${canary.id}`, {
          type: 'TXT',
          name: canary.name,
          content: canaryContent(serial, canary.probe),
          ttl: 30,
        });
      for (const { tool, canary, pop, attempts } of await Promise.all(runs)) {
        const truth = sim.truth.servedAt(canary.name, serial).get(pop);
        const scored = truth ? scoreAttempts(attempts, truth.monotonicMs, tool.stampAt) : undefined;
        if (scored) observations[tool.key].push(scored);
        else problems.push(`${tool.key} ${canary.name} ${pop}: ${truth ? 'never saw the serial' : 'no ground truth'}`);
      }
    }
  } finally {
    await blackbox.stop();
  }
  return { observations, problems };
}
