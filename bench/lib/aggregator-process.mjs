/**
 * The real aggregator CLI (aggregator/dist/cli.js) as a child process on a
 * free loopback port, configured through PROPWATCH_* variables. Its JSON log
 * (info level, as deployed) goes to /dev/null.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, sleep, stopChild } from './proc.mjs';
import { probeIds, tokenFor } from './report-factory.mjs';

const CLI = fileURLToPath(new URL('../../aggregator/dist/cli.js', import.meta.url));

/** `nodeArgs` go before the script, e.g. `['--cpu-prof']` to profile it. */
export async function startAggregator({ dbPath, probes, env = {}, nodeArgs = [] }) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, CLI], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PROPWATCH_LISTEN__HOST: '127.0.0.1',
      PROPWATCH_LISTEN__PORT: String(port),
      PROPWATCH_STORAGE__PATH: dbPath,
      PROPWATCH_PROBES: JSON.stringify(probeIds(probes).map((id) => ({ id, token: tokenFor(id) }))),
      // Raised for the benchmark: the default allows 10 reports/s per probe.
      PROPWATCH_INGEST__REPORTS_PER_SECOND: '100000',
      PROPWATCH_INGEST__BURST: '100000',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`aggregator exited with ${child.exitCode} during start`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, pid: child.pid, stop: () => stopChild(child) };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stopChild(child);
  throw new Error(`aggregator did not answer /healthz on ${url} within 30 s`);
}
