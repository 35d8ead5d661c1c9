/**
 * The reference tools through the same anycast addresses in the same run:
 * a `dig -b <vantage source> +norec` polling loop and blackbox_exporter's
 * DNS prober with `source_ip_address` set to the vantage's source, both at
 * 1 s, so each reaches the vantage's catchment after its round trip, as
 * propwatch does. Neither tool can tell which instance answered (the catchment
 * does not move here, so the truth is the catchment POP's); scheduling,
 * phases and scoring are those of precision-reference.mjs.
 */
import { blackboxConfig, scrapeBlackbox, startBlackbox } from './lib/blackbox.mjs';
import { runCommand, sleep } from './lib/proc.mjs';
import { callApi, canaryContent, runSchedule, scoreAttempts } from './precision-reference.mjs';

export { blackboxConfig };

async function digSerialAtLeast(vantage, address, name, serial) {
  const { stdout } = await runCommand(
    'dig',
    [
      '-b',
      vantage.sources[0],
      `@${address.address}`,
      '-p',
      String(address.port),
      '+norec',
      '+short',
      '+time=1',
      '+tries=1',
      'TXT',
      name,
    ],
    { timeoutMs: 3000 },
  );
  const match = /serial=(\d+)/.exec(stdout);
  return match !== null && BigInt(match[1]) >= serial;
}

/** `waves` writes of one canary; returns `{observations: {dig: Map<vantage, obs[]>, blackbox: …}, problems}`. */
export async function observeAnycastReferences(sim, vantages, { waves, intervalMs = 1000, maxPropagationMs = 4000 }) {
  const name = `refany._propwatch.${sim.zone}`;
  const base = BigInt(Date.now());
  const serials = Array.from({ length: waves }, (_, w) => base + BigInt(w + 1) * 1000n);
  const id = (
    await callApi(sim, 'POST', '/dns_records', { type: 'TXT', name, content: canaryContent(base, 'refany'), ttl: 30 })
  ).id;
  const modules = serials.flatMap((serial, w) =>
    vantages.map((v) => ({ id: `w${w}${v.name}`, name, serial, sourceIp: v.sources[0] })),
  );
  const blackbox = await startBlackbox(modules);
  const tools = ['dig', 'blackbox'];
  const observations = Object.fromEntries(tools.map((t) => [t, new Map(vantages.map((v) => [v.name, []]))]));
  const problems = [];
  try {
    for (const [w, serial] of serials.entries()) {
      const writeAt = performance.now() + intervalMs;
      const deadline = writeAt + maxPropagationMs + intervalMs;
      const runs = [];
      for (const tool of tools)
        for (const vantage of vantages)
          for (const address of sim.anycast) {
            const attempt =
              tool === 'dig'
                ? () => digSerialAtLeast(vantage, address, name, serial)
                : () => scrapeBlackbox(blackbox.url, `w${w}${vantage.name}`, `${address.address}:${address.port}`);
            const firstAt = writeAt - intervalMs + Math.random() * intervalMs;
            runs.push(
              runSchedule({ firstAt, intervalMs, deadline, attempt }).then((attempts) => ({
                tool,
                vantage,
                pop: vantage.catchment[address.name],
                attempts,
              })),
            );
          }
      await sleep(Math.max(0, writeAt - performance.now()));
      await callApi(sim, 'PUT', `/dns_records/${id}`, {
        type: 'TXT',
        name,
        content: canaryContent(serial, 'refany'),
        ttl: 30,
      });
      for (const { tool, vantage, pop, attempts } of await Promise.all(runs)) {
        const truth = sim.truth.servedAt(name, serial).get(pop);
        const scored = truth ? scoreAttempts(attempts, truth.monotonicMs, tool === 'dig' ? 'end' : 'start') : undefined;
        if (scored) observations[tool].get(vantage.name).push(scored);
        else problems.push(`${tool} ${vantage.name} ${pop}: ${truth ? 'never saw the serial' : 'no ground truth'}`);
      }
    }
  } finally {
    await blackbox.stop();
  }
  return { observations, problems };
}
